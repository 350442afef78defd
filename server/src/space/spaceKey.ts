import type { SpaceConfig, TaskConfig } from '../config/configSchema';

/**
 * What a space's subnets are: its choices, and the task's input and classes. A checkpoint
 * must have been trained on the same key to be used with a config; a device table keys its
 * fitted spaces by a hash of it.
 */
export const spaceKeyOf = (c: { space: SpaceConfig; task: TaskConfig }): string =>
  JSON.stringify({ space: c.space, input: c.task.input, classes: c.task.classes });
