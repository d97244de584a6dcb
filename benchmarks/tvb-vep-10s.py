# TVB side of issue 18's speed benchmark (see benchmarks/README.md, "TVB side by
# side"): the same run as benchmarks/vep-10s.toml
# (76 regions, 6-D Epileptor, delays at 3 mm/ms, difference coupling a = 1,
# deterministic Heun at dt 0.05 ms, 10 s, 1-ms temporal average; x0 EZ -1.6,
# PZ -2.1, healthy -2.4; Ks -0.2, Kf 0.1, r 0.00035 as TVB's tutorial 3).
# Usage: python3 tvb-vep-10s.py CONNECTIVITY_ZIP [stochastic]
# It prints the time of sim.run() alone (configuration excluded).
import sys, time
import numpy as np
from tvb.simulator.lab import connectivity, models, coupling, integrators, monitors, simulator, noise
stochastic = len(sys.argv) > 2 and sys.argv[2] == "stochastic"
con = connectivity.Connectivity.from_file(sys.argv[1])
con.speed = np.array([3.0])
labels = list(con.region_labels)
x0 = np.full(len(labels), -2.4)
for l in ("rHC", "rPHC", "rAMYG"): x0[labels.index(l)] = -1.6
for l in ("rTCI", "rTCV"): x0[labels.index(l)] = -2.1
epi = models.Epileptor(Ks=np.array([-0.2]), Kf=np.array([0.1]), r=np.array([0.00035]), x0=x0)
if stochastic:
    integ = integrators.HeunStochastic(dt=0.05, noise=noise.Additive(nsig=np.array([0., 0., 0., 0.0003, 0.0003, 0.])))
else:
    integ = integrators.HeunDeterministic(dt=0.05)
sim = simulator.Simulator(model=epi, connectivity=con, coupling=coupling.Difference(a=np.array([1.0])),
                          integrator=integ, monitors=(monitors.TemporalAverage(period=1.0),), simulation_length=10000.0)
sim.configure()
t0 = time.time()
(t, y), = sim.run()
print("TVB %s: %d samples of %d regions, simulate %.2f s" % ("stochastic" if stochastic else "deterministic", len(t), y.shape[2], time.time() - t0))
