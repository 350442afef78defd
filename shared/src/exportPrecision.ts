import { oneOf, type Infer } from './schema/dsl';

/** What an exported model computes in: float32 (the default) or int8 (a QDQ graph). */
export const precisionSchema = oneOf('What the model computes in.', {
  float32: 'float32 (the default).',
  int8: 'int8: static post-training quantisation, a QDQ graph.',
});
export type ExportPrecision = Infer<typeof precisionSchema>;
export const EXPORT_PRECISIONS = precisionSchema.values;

/**
 * How int8 export chooses each activation's range from the calibration images: `minmax`
 * their whole range, `percentile` the range without the 0.01% tails at either end.
 */
export const calibrationSchema = oneOf('How activation ranges are calibrated.', {
  minmax: 'Their whole range.',
  percentile: 'The range without the 0.01% tails at either end.',
});
export type CalibrationMethod = Infer<typeof calibrationSchema>;
export const CALIBRATION_METHODS = calibrationSchema.values;
