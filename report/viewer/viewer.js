// The mdtwin atrial viewer: a triangle surface with one scalar field at a
// time (LAT with isochrones, phase-singularity density, fibrosis, lesions,
// or Vm frames), drawn with three.js (WebGL). Drag to rotate, wheel to
// zoom, the select to change the field; a colour bar gives the scale.
//
// startViewer(THREE, root, data) fills the element root. data is the JSON
// report.ViewerData writes: points and cells as base64 little-endian
// Float32 / Uint32 arrays, fields each with name, unit, on ("point" or
// "cell"), values (base64 Float32, NaN where undefined), min, max, kind
// ("continuous", "isochrones" or "categorical") and labels for the
// categories, and optional frames (Vm, bytes quantised over min … max,
// 255 undefined) with their times.

const RAMP = [ // blue – cyan – yellow – red, evenly spaced anchors (our choice)
	[0.19, 0.23, 0.62], [0.16, 0.53, 0.84], [0.25, 0.76, 0.75], [0.65, 0.85, 0.40],
	[0.98, 0.82, 0.25], [0.95, 0.50, 0.20], [0.74, 0.12, 0.15],
];
const CATEGORY = [[0.86, 0.86, 0.86], [0.96, 0.67, 0.26], [0.55, 0.27, 0.07], [0.20, 0.20, 0.20], [0.58, 0.40, 0.74], [0.17, 0.63, 0.17]];
const NAN_RGB = [0.55, 0.55, 0.55];
const TEXELS = 256; // texel 0 is the colour of NaN; 1 … 255 the scale

function ramp(f) {
	const x = Math.min(Math.max(f, 0), 1) * (RAMP.length - 1);
	const i = Math.min(Math.floor(x), RAMP.length - 2), u = x - i;
	return RAMP[i].map((c, k) => c + (RAMP[i + 1][k] - c) * u);
}

function decode(b64, Type) {
	const s = atob(b64);
	const b = new Uint8Array(s.length);
	for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
	return new Type(b.buffer);
}

// colourTable returns the TEXELS colours of a field's scale: a ramp, the
// ramp with dark isochrone texels, or one colour per category.
function colourTable(f) {
	const rgb = [];
	for (let i = 0; i < TEXELS; i++) {
		if (i === 0) { rgb.push(NAN_RGB); continue; }
		const u = (i - 1) / (TEXELS - 2);
		if (f.kind === 'categorical') {
			const n = Math.round(f.max - f.min) + 1;
			rgb.push(CATEGORY[Math.min(Math.floor(u * n), n - 1) % CATEGORY.length]);
		} else if (f.kind === 'isochrones' && i > 1 && (i - 1) % Math.round((TEXELS - 2) / f.lines) === 0) {
			rgb.push([0.08, 0.08, 0.08]);
		} else {
			rgb.push(ramp(u));
		}
	}
	return rgb;
}

function texCoord(v, f) {
	if (!Number.isFinite(v)) return 0.5 / TEXELS;
	const span = f.max > f.min ? f.max - f.min : 1;
	const u = Math.min(Math.max((v - f.min) / span, 0), 1);
	return (1.5 + u * (TEXELS - 2 - 1)) / TEXELS;
}

export function startViewer(THREE, root, data) {
	const pts = decode(data.points, Float32Array);
	const cells = decode(data.cells, Uint32Array);
	const nt = cells.length / 3;
	const pos = new Float32Array(nt * 9);
	for (let t = 0; t < nt; t++) {
		for (let k = 0; k < 3; k++) {
			const p = cells[3 * t + k];
			pos.set(pts.subarray(3 * p, 3 * p + 3), 9 * t + 3 * k);
		}
	}
	const geom = new THREE.BufferGeometry();
	geom.setAttribute('position', new THREE.BufferAttribute(pos, 3));
	geom.computeVertexNormals();
	const uv = new Float32Array(nt * 6).fill(0.5);
	geom.setAttribute('uv', new THREE.BufferAttribute(uv, 2));
	geom.computeBoundingSphere();
	const sphere = geom.boundingSphere;

	const tex = new THREE.DataTexture(new Uint8Array(TEXELS * 4), TEXELS, 1, THREE.RGBAFormat);
	tex.magFilter = THREE.NearestFilter;
	tex.minFilter = THREE.NearestFilter;
	tex.colorSpace = THREE.SRGBColorSpace;
	const material = new THREE.MeshLambertMaterial({ map: tex, side: THREE.DoubleSide });
	const surface = new THREE.Mesh(geom, material);
	surface.position.copy(sphere.center).multiplyScalar(-1);
	const model = new THREE.Group();
	model.add(surface);

	const scene = new THREE.Scene();
	scene.background = new THREE.Color(0xffffff);
	scene.add(model);
	scene.add(new THREE.AmbientLight(0xffffff, 1.2));
	const camera = new THREE.PerspectiveCamera(35, 1, sphere.radius / 100, sphere.radius * 100);
	const light = new THREE.DirectionalLight(0xffffff, 1.8);
	camera.add(light);
	scene.add(camera);
	let distance = sphere.radius / Math.tan((35 / 2) * Math.PI / 180) * 0.8;

	// Layout: the canvas, then the controls and the colour bar (replacing
	// the note shown when scripts do not run).
	root.textContent = '';
	root.classList.add('mdtwin-viewer-ready');
	const canvas = document.createElement('canvas');
	canvas.className = 'mdtwin-viewer-canvas';
	canvas.style.cssText = 'width:100%;height:420px;display:block;touch-action:none;cursor:grab;border:1px solid #ddd';
	const bar = document.createElement('div');
	bar.className = 'mdtwin-legend';
	bar.style.cssText = 'display:flex;align-items:center;gap:0.6em;flex-wrap:wrap;font-size:0.9em;margin-top:0.4em';
	const select = document.createElement('select');
	select.className = 'mdtwin-field';
	data.fields.forEach((f, i) => select.add(new Option(f.label || f.name, String(i))));
	if (data.frames) select.add(new Option('Vm (animation)', 'vm'));
	const scale = document.createElement('canvas');
	scale.className = 'mdtwin-colourbar';
	scale.width = 256; scale.height = 14;
	scale.style.cssText = 'width:256px;height:14px;border:1px solid #999';
	const lo = document.createElement('span'), hi = document.createElement('span'), unit = document.createElement('span');
	lo.className = 'mdtwin-min'; hi.className = 'mdtwin-max'; unit.className = 'mdtwin-unit';
	bar.append(select, lo, scale, hi, unit);
	let play = null, slider = null, clock = null;
	if (data.frames) {
		play = document.createElement('button');
		play.type = 'button'; play.textContent = 'play';
		slider = document.createElement('input');
		slider.type = 'range'; slider.min = '0'; slider.max = String(data.frames.times.length - 1); slider.value = '0';
		clock = document.createElement('span');
		bar.append(play, slider, clock);
	}
	root.append(canvas, bar);

	const renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
	renderer.setPixelRatio(window.devicePixelRatio || 1);

	function draw() {
		const w = canvas.clientWidth || 600, h = canvas.clientHeight || 420;
		if (canvas.width !== Math.floor(w * renderer.getPixelRatio()) || canvas.height !== Math.floor(h * renderer.getPixelRatio())) {
			renderer.setSize(w, h, false);
			camera.aspect = w / h;
			camera.updateProjectionMatrix();
		}
		camera.position.set(0, 0, distance);
		camera.lookAt(0, 0, 0);
		renderer.render(scene, camera);
		root.dataset.drawn = String(Number(root.dataset.drawn || 0) + 1);
	}

	function setValues(values, on, f) {
		for (let t = 0; t < nt; t++) {
			// A triangle with an undefined node is undefined: interpolating
			// towards the NaN texel would run through the whole scale.
			const undef = on !== 'cell' && [0, 1, 2].some(k => !Number.isFinite(values[cells[3 * t + k]]));
			for (let k = 0; k < 3; k++) {
				const v = on === 'cell' ? values[t] : (undef ? NaN : values[cells[3 * t + k]]);
				uv[6 * t + 2 * k] = texCoord(v, f);
			}
		}
		geom.attributes.uv.needsUpdate = true;
	}

	function setScale(f) {
		const rgb = colourTable(f);
		const d = tex.image.data;
		const ctx = scale.getContext('2d');
		for (let i = 0; i < TEXELS; i++) {
			const c = rgb[i];
			d.set([c[0] * 255, c[1] * 255, c[2] * 255, 255], 4 * i);
			if (i > 0) {
				ctx.fillStyle = `rgb(${c[0] * 255},${c[1] * 255},${c[2] * 255})`;
				ctx.fillRect(i, 0, 1, scale.height);
			}
		}
		tex.needsUpdate = true;
		const fmt = v => Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : '–';
		if (f.kind === 'categorical' && f.labels) {
			lo.textContent = f.labels[0] || fmt(f.min);
			hi.textContent = f.labels[f.labels.length - 1] || fmt(f.max);
		} else {
			lo.textContent = fmt(f.min);
			hi.textContent = fmt(f.max);
		}
		let u = f.unit ? ' ' + f.unit : '';
		if (f.kind === 'isochrones') u += ` (isochrones every ${fmt((f.max - f.min) / f.lines)}${f.unit ? ' ' + f.unit : ''})`;
		if (f.kind === 'categorical' && f.labels) u = f.labels.map((l, i) => `${i}: ${l}`).join(', ');
		unit.textContent = u;
	}

	const fields = data.fields.map(f => ({ ...f, data: decode(f.values, Float32Array) }));
	let frames = null;
	if (data.frames) {
		const q = decode(data.frames.values, Uint8Array), span = data.frames.max - data.frames.min;
		const v = new Float32Array(q.length);
		for (let i = 0; i < q.length; i++) v[i] = q[i] === 255 ? NaN : data.frames.min + q[i] / 254 * span;
		frames = { ...data.frames, data: v, n: pts.length / 3 };
	}
	let frame = 0, timer = null;
	function showFrame(i) {
		frame = i;
		const f = { name: 'Vm', unit: data.frames.unit, min: data.frames.min, max: data.frames.max, kind: 'continuous' };
		setValues(frames.data.subarray(i * frames.n, (i + 1) * frames.n), 'point', f);
		slider.value = String(i);
		clock.textContent = `t = ${frames.times[i].toFixed(1)} ms`;
		draw();
	}
	function show() {
		if (timer) { clearInterval(timer); timer = null; if (play) play.textContent = 'play'; }
		if (select.value === 'vm') {
			setScale({ unit: data.frames.unit, min: data.frames.min, max: data.frames.max, kind: 'continuous' });
			showFrame(frame);
			return;
		}
		const f = fields[Number(select.value)];
		setScale(f);
		setValues(f.data, f.on, f);
		draw();
	}
	select.addEventListener('change', show);
	if (play) {
		play.addEventListener('click', () => {
			if (select.value !== 'vm') { select.value = 'vm'; show(); }
			if (timer) { clearInterval(timer); timer = null; play.textContent = 'play'; return; }
			play.textContent = 'pause';
			timer = setInterval(() => showFrame((frame + 1) % frames.times.length), 60);
		});
		slider.addEventListener('input', () => { if (select.value !== 'vm') { select.value = 'vm'; show(); } showFrame(Number(slider.value)); });
	}

	// Rotate by dragging (about the screen axes), zoom with the wheel.
	let drag = null;
	canvas.addEventListener('pointerdown', e => { drag = [e.clientX, e.clientY]; canvas.setPointerCapture(e.pointerId); canvas.style.cursor = 'grabbing'; });
	canvas.addEventListener('pointerup', e => { drag = null; canvas.releasePointerCapture(e.pointerId); canvas.style.cursor = 'grab'; });
	canvas.addEventListener('pointermove', e => {
		if (!drag) return;
		const dx = e.clientX - drag[0], dy = e.clientY - drag[1];
		drag = [e.clientX, e.clientY];
		const q = new THREE.Quaternion()
			.setFromAxisAngle(new THREE.Vector3(0, 1, 0), dx * 0.01)
			.multiply(new THREE.Quaternion().setFromAxisAngle(new THREE.Vector3(1, 0, 0), dy * 0.01));
		model.quaternion.premultiply(q);
		draw();
	});
	canvas.addEventListener('wheel', e => {
		e.preventDefault();
		distance = Math.min(Math.max(distance * Math.exp(e.deltaY * 0.001), sphere.radius * 0.3), sphere.radius * 20);
		draw();
	}, { passive: false });
	window.addEventListener('resize', draw);

	// A first view from an oblique angle.
	model.quaternion.setFromEuler(new THREE.Euler(-0.6, 0.5, 0));
	show();
	return { draw, select };
}

// startAll starts a viewer in every element with class mdtwin-viewer whose
// data-src names the script element holding its JSON.
export function startAll(THREE) {
	for (const el of document.querySelectorAll('.mdtwin-viewer')) {
		try {
			startViewer(THREE, el, JSON.parse(document.getElementById(el.dataset.src).textContent));
		} catch (err) {
			el.textContent = 'The 3-D view could not be drawn: ' + err.message;
			el.dataset.error = err.message;
			console.error(err);
		}
	}
}
