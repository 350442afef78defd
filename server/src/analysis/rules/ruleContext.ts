import type { DataFacts } from '../../datasets/describe';
import type { TaskConfig } from '../../config/configSchema';
import type { DeviceProfile } from '#shared/deviceProfile';
import type { SpaceFacts } from '../../space/facts';
import type { PytorchStatus } from '../pytorchFacts';
import { spaceFacts } from '../../space/facts';
import type { Problem } from '../../config/problems';
import { joinPath, type ResolvedConfig } from '../../config/resolve';

/** What the checks of a config may use beyond its text. */
export interface AnalysisOptions {
  /** Memory a training step may use before a warning, in bytes. Undefined: no check. */
  memoryLimitBytes?: number;
  /** Absolute path of the config file, for resolving relative data paths. */
  configPath?: string;
  /** Whether a path exists; without it, data paths are not checked. */
  pathExists?: (absolutePath: string) => boolean;
  /** Join a folder and a relative path (the platform's rules). */
  resolvePath?: (fromFile: string, relative: string) => string;
  /**
   * What the task's data holds, read from disk without loading it (classes, images per
   * split, stored size, broken files); without it, the data itself is not checked.
   */
  describeData?: (task: TaskConfig, configPath: string | undefined) => DataFacts | undefined;
  /**
   * The latency tables of the workspace a config is in (`.supernet/devices/*.json`), by
   * device: the devices `latency@NAME` may name, and the latency ranges hover shows.
   */
  deviceProfiles?: (configPath: string | undefined) => ReadonlyMap<string, DeviceProfile>;
  /**
   * Whether the pytorch backend can run here (a usable Python with torch, and its facts),
   * asked only of configs that mention pytorch (the answer may take a process's start).
   * Without it, nothing about Python is checked and completion offers every backend.
   */
  pytorchStatus?: () => PytorchStatus;
}

export type Path = (string | number)[];

/**
 * What a semantic rule sees: the resolved config, the options, the problems found so far
 * (rules run in order, and a later one may stay silent where an earlier one spoke), and
 * `report`, which places a problem on a path's key or value.
 */
export class RuleContext {
  readonly problems: Problem[] = [];
  /** Every path with a schema error, and every prefix of one. */
  private readonly errorPaths: Set<string>;
  private readonly errorPrefixes = new Set<string>();
  private factsCache: SpaceFacts | undefined | null = null;
  private dataCache: DataFacts | undefined | null = null;

  constructor(
    readonly r: ResolvedConfig,
    readonly opts: AnalysisOptions,
  ) {
    // `clean` is a few lookups, not a scan of every error: configs can be huge.
    this.errorPaths = new Set(r.errorPaths);
    for (const p of r.errorPaths) {
      const parts = p.split('.');
      for (let i = 1; i <= parts.length; i++) this.errorPrefixes.add(parts.slice(0, i).join('.'));
    }
  }

  get config(): ResolvedConfig['config'] {
    return this.r.config;
  }

  /** The text range of a path's value (or key). */
  at(path: Path, part: 'key' | 'value' = 'value'): [number, number] | undefined {
    const loc = this.r.locations.get(joinPath(path));
    if (!loc) return undefined;
    return part === 'key' && loc.key ? loc.key : loc.value;
  }

  /** Whether the path was written in the file (not a default). */
  written(path: Path | string): boolean {
    return (
      this.r.locations.get(typeof path === 'string' ? path : joinPath(path))?.node !== undefined
    );
  }

  report(
    path: Path,
    severity: Problem['severity'],
    code: Problem['code'],
    message: string,
    data?: Problem['data'],
    part: 'key' | 'value' = 'value',
  ): void {
    const range = this.at(path, part);
    if (range)
      this.problems.push({
        start: range[0],
        end: range[1],
        severity,
        code,
        message,
        ...(data ? { data } : {}),
      });
  }

  /** Whether the path or anything inside it has a schema error. */
  errorWithin(prefix: string): boolean {
    return this.errorPrefixes.has(prefix);
  }

  /** Whether neither the path, nor anything inside it, nor anything around it has a schema error. */
  clean(prefix: string): boolean {
    if (this.errorPrefixes.has(prefix)) return false;
    if (this.errorPaths.size === 0) return true;
    const parts = prefix.split('.');
    for (let i = 1; i < parts.length; i++)
      if (this.errorPaths.has(parts.slice(0, i).join('.'))) return false;
    return true;
  }

  /** The stages, strides and input are usable: no schema error in `space` or `task`. */
  get spaceUsable(): boolean {
    return this.clean('space') && this.clean('task') && Array.isArray(this.config.space.stages);
  }

  /** The data's facts, when the task has no schema error and the options can read them. */
  data(): DataFacts | undefined {
    if (this.dataCache === null)
      this.dataCache =
        this.clean('task') && this.opts.describeData
          ? this.opts.describeData(this.config.task, this.opts.configPath)
          : undefined;
    return this.dataCache;
  }

  /** Facts of the space, once no error has been found so far; computed once. */
  facts(): SpaceFacts | undefined {
    if (this.factsCache === null) {
      const ok = this.spaceUsable && !this.problems.some((p) => p.severity === 'error');
      this.factsCache = ok ? spaceFacts(this.config) : undefined;
    }
    return this.factsCache;
  }
}

/** One semantic check: a rule reads the context and reports what it finds. */
export type Rule = (ctx: RuleContext) => void;
