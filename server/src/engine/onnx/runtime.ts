// onnxruntime-node, with its telemetry off: every module of the engine, its benchmarks and
// its tests import onnxruntime through here (lint enforces it).
import './telemetryOff';

export * from 'onnxruntime-node';
