// Package substrate describes the atrial tissue a wave runs through when
// it is not healthy: fibrosis and ablation lesions on a triangle or
// tetrahedron mesh, as per-element changes of the monodomain conductivity
// and per-node flags for ionic remodelling.
//
// Fibrosis comes from an LGE-style field binned into healthy, fibrotic and
// dense scar (Thresholds; image-intensity ratio 1.2 and 1.32, Benito et
// al. 2017) or is generated (GenerateFibrosis: diffuse, patchy, or
// interstitial patches stretched along the fibre, grown by shortest paths
// from seeds to a target area fraction, reproducible from a seed).
// ApplyFibrosis turns the levels into a FibrosisMap: σ reduced on
// conducting fibrotic elements (e.g. 50 % along the fibre, 80 % across),
// a drawn fraction of them non-conducting (σ = 1e-7 S/m, openCARP
// tutorial 21: 30 %), dense scar never conducting, and the nodes of
// conducting fibrotic elements flagged for remodelling (reference §5).
//
// Lesions are non-conducting elements built by an Ablation on one mesh:
// geodesic discs (focal ablation), lines along shortest edge paths and
// rings (pulmonary-vein isolation). In P1 finite elements current passes
// between any two conducting elements that share a node, so Gaps checks
// that a line or ring separates its two sides by whole nodes, and
// Separated whether two points can still reach each other. Distances are
// geodesic along mesh edges (Dijkstra), in mm.
//
// Pulmonary-vein isolation is built from the anatomy: the boundary loops of
// a left-atrial surface are classified (the mitral valve the longest, the
// veins the others that are not small defects, split into two ipsilateral
// pairs by position), each vein's ostium is found where its tube opens into
// the wall, and one closed wide-antral lesion encircles each pair a set
// distance beyond the ostia; Isolates checks that every vein is cut off
// from the mitral rim.
package substrate
