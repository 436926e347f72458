/**
 * Plots as standalone SVG (and PNG): Vega-Lite specs built from the library's data and
 * rendered server-side. See docs/api.md, "Plots".
 */
export type { PlotOptions } from './common';
export { renderSvg, toPng, type PngOptions, type VegaLiteSpec } from './render';
export { plotRaster, plotRates, type RasterPlotOptions, type RatePlotOptions, type GroupOccurrence, type PopulationSpan } from './spikes';
export { plotWeightHistogram, plotWeightEvolution, type WeightPlotOptions, type WeightSnapshot } from './weights';
export { plotLoss, type LossCurves, type LossPlotOptions } from './loss';
export { plotGroup } from './group';
export { plotCircuit, type CircuitMark, type CircuitPlotOptions } from './circuit';
export { plotSweep, type SweepPlotOptions } from './sweep';
export { runReport, RUN_FILES, type RunReportOptions } from './report';
