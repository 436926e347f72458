'use strict';
/**
 * The API fuzzer's models: one per public class or family of functions of lib/index.ts.
 * A model has `commands` (each: a name, an arbitrary of its argument list, the names of
 * its parameters as docs/api.md gives them, and the call), optionally `create` (a fresh,
 * small object for each sequence of calls), `snapshot` (its observable state, compared
 * before and after a call that throws) and `dispose`. Every successful call is kept cheap
 * (tiny sizes, a few ms of simulated time, a few training steps).
 *
 * One file per model or family (population.js, network.js, lut-layer.js, classifier.js, lm.js,
 * groups.js, formats.js, dense.js, misc.js, spiking-lut.js); helpers shared by several in common.js.
 */
const os = require('node:os');
const fsp = require('node:fs/promises');
const pathModule = require('node:path');
const { closeIfOpen, signalArb, withSignal } = require('./common');
const { population } = require('./population');
const { networkModel } = require('./network');
const { lutLayer } = require('./lut-layer');
const { classifier } = require('./classifier');
const { lm } = require('./lm');
const { groups } = require('./groups');
const { formats } = require('./formats');
const { dense } = require('./dense');
const { misc } = require('./misc');
const { spikingLut } = require('./spiking-lut');

// The order of the keys is the order run.js lists and seeds the models in.
module.exports = { population, network: networkModel, lutLayer, classifier, lm, groups, formats, dense, misc, spikingLut, helpers: { closeIfOpen, signalArb, withSignal, os, fsp, pathModule } };
