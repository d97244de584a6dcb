// Loads three.js and starts every mdtwin viewer of the page (for pages
// served with their scripts as files; a report inlines them instead).
import * as THREE from './three.module.min.js';
import { startAll } from './viewer.js';

startAll(THREE);
