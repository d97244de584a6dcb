// Package mesh holds triangle and tetrahedron meshes for cardiac models:
// points (mm), one element kind per mesh, point and cell fields, region tags,
// per-element fibres and sheets; readers and writers for the common formats;
// generators; quality checks; surface remeshing; and the P1 finite-element
// operators (lumped mass, anisotropic stiffness in CSR form) of the
// monodomain equation.
//
// # Formats
//
//	.vtk         VTK legacy 2–5.1, ASCII or BINARY, UNSTRUCTURED_GRID or POLYDATA   ReadVTK / WriteVTK
//	.vtu, .vtp   VTK XML, ascii / base64 inline / appended raw or base64, optional
//	             zlib (vtkZLibDataCompressor), UInt32 or UInt64 headers             ReadVTKXML / WriteVTU, WriteVTP
//	.ply         ascii, binary little/big endian; scalar vertex/face properties     ReadPLY / WritePLY
//	.obj         v and f only (polygons fan-triangulated)                           ReadOBJ / WriteOBJ
//	.pts .elem .lon  openCARP; .pts is in µm and converted to mm on reading
//	             (÷1000) and back on writing (×1000); .elem tags → Regions         ReadOpenCARP / WriteOpenCARP
//
// ReadFile and WriteFile choose by extension. In VTK files the cell arrays
// "Region", "Fibres" and "Sheets" carry Mesh.Regions, Fibres and Sheets.
// Malformed input gives a *FormatError naming the file and the line (text) or
// byte offset (binary data). Counts and sizes announced by a file are checked
// against the bytes it holds before anything is allocated for them, so a
// small hostile file cannot exhaust memory.
//
// # Operators
//
// With φ_i the P1 basis functions and D_e the conductivity tensor of element e
// (see Conductivity; on surfaces the fibre is projected onto each triangle):
//
//	M_ii = Σ_{e∋i} |e|/k                   (row-sum lumped mass, k = 3 or 4)
//	K_ij = Σ_e |e| ∇φ_i·D_e∇φ_j           (stiffness, zero row sums)
//
// so the monodomain semi-discretisation reads M dV/dt = −K V − M I_ion/Cm + ….
// CSR.MulVec(dst, x) is allocation-free.
//
// # Fibres
//
// Meshes without measured fibres (such as the atrium.vtp surface in
// testdata) get a rule-based default from ProjectedFibres: one fixed
// direction projected onto each triangle. It is smooth and simple, not an
// anatomical fibre architecture.
//
// # Quality and remeshing
//
// Mesh.Check reports degenerate and inverted elements, non-manifold edges,
// open boundaries, disconnected parts and unused points. Remesh brings a
// triangle surface to a target edge length by edge split, collapse and flip
// and tangential smoothing (Botsch & Kobbelt 2004).
//
// # Usage
//
//	m, err := mesh.ReadFile("atrium.vtp")
//	if err != nil { … }
//	m, err = mesh.Remesh(m, 0.5, mesh.RemeshOptions{}) // 0.5 mm edges
//	m.Fibres = mesh.ProjectedFibres(m, mesh.LongestAxis(m))
//	k, err := mesh.Stiffness(m, mesh.Uniform(mesh.TransverselyIsotropic(0.3, 0.05)))
//	mass := mesh.LumpedMass(m)
//	k.MulVec(dst, v)
package mesh
