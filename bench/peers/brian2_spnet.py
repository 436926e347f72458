#!/usr/bin/python3
"""Peer benchmark: Izhikevich's 2006 polychronization network (spnet) in Brian2.

Builds the network of shared/spec/spnet.md from the golden connectivity.csv, compiles it
once with Brian2's C++ standalone device (single thread), runs the binary and prints one
JSON line with the simulation-only wall time per simulated second.

Usage: /usr/bin/python3 bench/peers/brian2_spnet.py [GOLDEN_DIR] [--seconds 10] [--repeats 7]
       [--seed 1] [--keep-build]
       [--golden-input]   (thalamic input from thalamic.csv for its 5 s, then Brian's rand())
Brian2 comes from Debian (apt-get install python3-brian), hence /usr/bin/python3.
"""
import argparse, json, re, shutil, sys, tempfile, time, warnings
from pathlib import Path

import numpy as np
warnings.filterwarnings('ignore', category=FutureWarning)  # Debian's pythran vs numpy noise
import brian2
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, Network, TimedArray, defaultclock,
                    device, ms, prefs, seed, set_device)

REPO = Path(__file__).resolve().parents[2]
N, NE = 1000, 800

ap = argparse.ArgumentParser()
ap.add_argument('golden', nargs='?', default=str(REPO / '../shared/golden/spnet'))
ap.add_argument('--seconds', type=int, default=10)
ap.add_argument('--repeats', type=int, default=7,
                help='binary runs; wallSeconds is the fastest (least disturbed), the median is added')
ap.add_argument('--golden-input', action='store_true',
                help='use thalamic.csv while it lasts (validation against spikes.csv)')
ap.add_argument('--seed', type=int, default=1, help="Brian's RNG seed (thalamic draws)")
ap.add_argument('--keep-build', action='store_true', help='keep the generated C++ project')
args = ap.parse_args()
golden = Path(args.golden).resolve()

build_dir = tempfile.mkdtemp(prefix='brian2_spnet_')
set_device('cpp_standalone', directory=build_dir, build_on_run=False)
prefs.devices.cpp_standalone.openmp_threads = 0  # no OpenMP: plain single-threaded code
# The spec stores state as float32 and evaluates right-hand sides in double; Brian's C++
# does the same with float32 arrays (its literals are double).
prefs.core.default_float_dtype = np.float32
prefs.codegen.cpp.headers += ['<chrono>', '<cstdio>']
defaultclock.dt = 1 * ms
seed(args.seed)  # same thalamic sequence on every run and build

# Izhikevich neurons. v and u have no ODEs: the spec's update (two 0.5 ms half-steps of v
# with u frozen, then u from the new v) is no standard integrator, so it runs as explicit
# code. LTD is the per-neuron depression trace (0.12 at a spike, x0.95 per ms).
G = NeuronGroup(N, '''v : 1
                      u : 1
                      I : 1
                      a : 1 (constant)
                      d : 1 (constant)
                      LTD : 1
                      thal : integer (shared)''',
                threshold='v >= 30', reset='v = -65; u += d; LTD = 0.12', method=None)
G.v = -65
G.u = 0.2 * -65
G.a = np.where(np.arange(N) < NE, 0.02, 0.1)
G.d = np.where(np.arange(N) < NE, 8.0, 2.0)

# Step 1 of the spec: clear I, then one random neuron gets I = 20 (assignment).
if args.golden_input:
    th = np.loadtxt(golden / 'thalamic.csv', delimiter=',', skiprows=1, dtype=np.int64)
    thal_seq = TimedArray(th[:, 1].astype(np.int32), dt=1 * ms)  # held past its end
    n_golden_ms = len(th)
    pick = (f'thal = int(thal_seq(t)) * int(t < {n_golden_ms}*ms)'
            f' + int(rand()*{N}) * int(t >= {n_golden_ms}*ms)')
else:
    pick = f'thal = int(rand()*{N})'
G.run_regularly(pick + '\nI = 20.0 * int(i == thal)', when='start', order=0)
# Step 4: neuron update, after delivery (see the schedule below).
G.run_regularly('''v += 0.5*((0.04*v + 5)*v + 140 - u + I)
                   v += 0.5*((0.04*v + 5)*v + 140 - u + I)
                   u += a*(0.2*v - u)
                   LTD *= 0.95''', when='groups')

conn = np.loadtxt(golden / 'connectivity.csv', delimiter=',', skiprows=1)
pre, post, delay, weight = (conn[:, 0].astype(np.int32), conn[:, 2].astype(np.int32),
                            conn[:, 3].astype(np.int32), conn[:, 4])
exc = pre < NE

# Excitatory synapses carry the 2006 STDP rule. The potentiation trace of the presynaptic
# neuron "as it was delay ms ago" equals a per-synapse trace reset at each spike *arrival*;
# we keep the arrival time instead of the trace. A spike arriving at step ta is seen by a
# post spike at step tp > ta as 0.1 * 0.95**(tp - ta - 1) (spnet.cpp indexes
# LTP[t + D - delay - 1]). The table holds that decay as the reference computes it (x0.95 in
# double, rounded to float32 each ms); the reference's trace sticks at the smallest denormal
# after ~1900 ms, ours ends in 0, the value for "never arrived" (no float32 weight can tell).
ltp = [np.float32(0.1)]
while ltp[-1] != np.float32(0.95 * np.float64(ltp[-1])):
    ltp.append(np.float32(0.95 * np.float64(ltp[-1])))
ltp_trace = TimedArray(np.array(ltp + [0], dtype=np.float32), dt=1 * ms)  # holds its end
Se = Synapses(G, G, '''w : 1
                       sd : 1
                       tarr : second''', dtype={'tarr': np.float64},
              on_pre='''I_post += w
                        sd -= LTD_post
                        tarr = t''',
              on_post='sd += ltp_trace(t - tarr - 1*ms)')
Se.connect(i=pre[exc], j=post[exc])
Se.w = weight[exc]
Se.tarr = -1e6 * ms
# Brian delivers a spike detected at step t with delay k at step t + k; the spec adds it to I
# at step t + delay - 1 (before that step's v update), so Brian's delay is delay - 1.
Se.delay = (delay[exc] - 1) * ms
# The spec detects post spikes (LTP, step 2) before it delivers (LTD, step 3): run the
# post pathway first so a same-step arrival is not yet seen by the post spike.
Se.post.order = -2
# Once per simulated second (before step 1000k): s += 0.01 + sd; sd *= 0.9; clip to [0, 10].
# A dt=1 s clock also ticks at t = 0, where the rule must not run yet.
Se.run_regularly('''w = clip(w + int(t > 0*ms) * (0.01 + sd), 0, 10)
                    sd *= 0.9''', dt=1000 * ms, when='start', order=-1)

Si = Synapses(G, G, 'w : 1 (constant)', on_pre='I_post += w', delay=0 * ms)  # all delay 1 ms
Si.connect(i=pre[~exc], j=post[~exc])
Si.w = weight[~exc]

spikes = SpikeMonitor(G)  # the spec records every spike; so does the benchmark
# Spec order within one millisecond: input, detection+reset, delivery (+STDP), update.
net = Network(G, Se, Si, spikes)
net.schedule = ['start', 'thresholds', 'resets', 'synapses', 'groups', 'end']

# Brian's own run time (last_run_info.txt) is std::clock() CPU time; wrap the network run in
# a steady_clock wall timer so file loading and result writing stay out of the measurement.
device.insert_code('before_network_run',
                   'auto _bench_t0 = std::chrono::steady_clock::now();')
device.insert_code('after_network_run',
                   'printf("BENCH_WALL %.9f\\n", std::chrono::duration<double>('
                   'std::chrono::steady_clock::now() - _bench_t0).count());')
net.run(args.seconds * 1000 * ms)

t0 = time.perf_counter()
device.build(directory=build_dir, compile=True, run=False)  # code generation + make
compile_s = time.perf_counter() - t0

walls = []
for _ in range(args.repeats):
    device.run(build_dir, with_output=False, run_args=[])
    out = Path(build_dir, 'results', 'stdout.txt').read_text()
    walls.append(float(re.search(r'BENCH_WALL (\S+)', out).group(1)))
wall = min(walls)  # a shared machine only ever adds time

st = spikes.t[:] / ms
n_spikes = len(st)
per_sec = np.bincount((st // 1000).astype(int), minlength=args.seconds)[:args.seconds]
print(f'spikes per second: {per_sec.tolist()}', file=sys.stderr)
print(f'wall per run (s): {[round(w, 4) for w in walls]}; binary incl. I/O: '
      f'{device.timers["run_binary"]:.3f} s', file=sys.stderr)
if args.golden_input:
    g = np.loadtxt(golden / 'spikes.csv', delimiter=',', skiprows=1, dtype=np.int64)
    ours = np.stack([np.rint(st).astype(np.int64), spikes.i[:]], 1)
    ours = ours[np.lexsort((ours[:, 1], ours[:, 0]))]
    n = min(len(g), len(ours))
    diff = np.nonzero(np.any(g[:n] != ours[:n], axis=1))[0]
    first = int(diff[0]) if len(diff) else n
    print(f'golden: first {first} spikes identical (first divergence at ms '
          f'{g[first, 0] if first < len(g) else "-"}); golden per second: '
          f'{np.bincount(g[:, 0] // 1000).tolist()}', file=sys.stderr)
w_final = np.asarray(Se.w[:])
print(f'final excitatory weights: mean {w_final.mean():.3f}, '
      f'fraction > 9: {(w_final > 9).mean():.3f}', file=sys.stderr)

if args.keep_build:
    print(f'build dir: {build_dir}', file=sys.stderr)
else:
    shutil.rmtree(build_dir)

print(json.dumps({
    'peer': 'brian2', 'version': brian2.__version__, 'device': 'cpp_standalone',
    'simulatedSeconds': args.seconds, 'wallSeconds': round(wall, 6),
    'msPerSimulatedSecond': round(1000 * wall / args.seconds, 3),
    'compileSeconds': round(compile_s, 3), 'spikes': int(n_spikes),
    'meanRateHz': round(n_spikes / N / args.seconds, 3), 'threads': 1,
    'repeats': args.repeats, 'wallSecondsMedian': round(float(np.median(walls)), 6)}))
