/**
 * A small WebAssembly SIMD module, emitted byte by byte, with the wasm backend's hot loops
 * that tfjs either lacks or runs slowly: depthwise convolutions with a channel multiplier of
 * 1 (the only kind MBConv blocks use; NHWC, any kernel size and stride) and their gradients,
 * and batch norm's per-channel reductions, normalisation, input gradient and ReLU6 mask.
 *
 * Why: the XNNPACK build inside tfjs-backend-wasm 4.22 has fast depthwise micro-kernels only
 * for 3x3 and 5x5 filters; every other size (7x7 in our search spaces, and the huge "filters"
 * that gradient kernels composed from the forward convolution pass it) goes through a generic
 * path 6-40x slower. The module imports the tfjs wasm backend's own memory, so it reads and
 * writes tensors where they live, with no copies.
 *
 * One depthwise function covers the forward pass and both gradients, as all three are the same
 * loop over (sample, output row, output column, filter tap) whose body is the channel-wise
 * multiply-add `acc[0..C) += p[0..C) * q[0..C)`; only which of the three tensor rows (input
 * pixel, output pixel, filter tap) plays acc, p and q changes:
 *   mode 0, forward:        out[n,oh,ow]  += x[n,ih,iw]  * w[i,j]
 *   mode 1, filter grad:    dw[i,j]       += x[n,ih,iw]  * dy[n,oh,ow]
 *   mode 2, input grad:     dx[n,ih,iw]   += dy[n,oh,ow] * w[i,j]
 * with ih = oh*stride + i - padTop, iw = ow*stride + j - padLeft, skipping taps that fall
 * on the padding. The accumulator must be zeroed by the caller.
 */

/** The depthwise function's parameters, in order; all i32, addresses in bytes. */
export const DEPTHWISE_PARAMS = [
  'mode',
  'input',
  'output',
  'filter',
  'batch',
  'inHeight',
  'inWidth',
  'channels',
  'filterHeight',
  'filterWidth',
  'outHeight',
  'outWidth',
  'stride',
  'padTop',
  'padLeft',
] as const;

const P = Object.fromEntries(DEPTHWISE_PARAMS.map((name, i) => [name, i])) as Record<
  (typeof DEPTHWISE_PARAMS)[number],
  number
>;

// Locals after the parameters.
let nextLocal = DEPTHWISE_PARAMS.length;
const L = {
  n: nextLocal++,
  oh: nextLocal++,
  ow: nextLocal++,
  i: nextLocal++,
  j: nextLocal++,
  ih: nextLocal++,
  iw: nextLocal++,
  rowBytes: nextLocal++,
  vecBytes: nextLocal++,
  outRow: nextLocal++,
  inRow: nextLocal++,
  tapRow: nextLocal++,
  acc: nextLocal++,
  p: nextLocal++,
  q: nextLocal++,
  k: nextLocal++,
};
const LOCAL_COUNT = nextLocal - DEPTHWISE_PARAMS.length;

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  void: 0x40,
  select: 0x1b,
  get: 0x20,
  set: 0x21,
  const: 0x41,
  eqz: 0x45,
  eq: 0x46,
  ltS: 0x48,
  ltU: 0x49,
  geU: 0x4f,
  add: 0x6a,
  sub: 0x6b,
  mul: 0x6c,
  and: 0x71,
  f32Load: 0x2a,
  f32Store: 0x38,
  f32Add: 0x92,
  f32Mul: 0x94,
  simd: 0xfd,
};
// SIMD sub-opcodes (LEB128-encoded after the 0xfd prefix).
const V128_LOAD = [0x00];
const V128_STORE = [0x0b];
const F32X4_ADD = [0xe4, 0x01];
const F32X4_MUL = [0xe6, 0x01];
const F32X4_SUB = [0xe5, 0x01];
const F32X4_MIN = [0xe8, 0x01];
const F32X4_MAX = [0xe9, 0x01];
const F32X4_LT = [0x43];
const F32X4_GT = [0x44];
const F32X4_SPLAT = [0x13];
const V128_AND = [0x4e];
const V128_CONST = [0x0c];
const F32_LT = 0x5d;
const F32_GT = 0x5e;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const str = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const get = (l: number) => [op.get, ...uleb(l)];
const set = (l: number) => [op.set, ...uleb(l)];
const i32 = (v: number) => [op.const, ...sleb(v)];
/** Aligned to 4 bytes only: rows start wherever tfjs's allocator put the tensor. */
const memarg = [2, 0];

/** local = a*b + c, each an expression. */
const mulAdd = (a: number[], b: number[], c: number[]) => [...a, ...b, op.mul, ...c, op.add];

/** `for (l = 0; l < bound; l++) body`, for bounds known to be at least 1. */
function countedLoop(l: number, bound: number, body: number[]): number[] {
  return [
    ...i32(0),
    ...set(l),
    op.loop,
    op.void,
    ...body,
    ...get(l),
    ...i32(1),
    op.add,
    ...set(l),
    ...get(l),
    ...get(bound),
    op.ltS,
    op.brIf,
    0,
    op.end,
  ];
}

interface RowLocals {
  k: number;
  acc: number;
  p: number;
  q: number;
  vecBytes: number;
  rowBytes: number;
}

/**
 * acc[k] += p[k] * q[k] (or acc[k] += p[k] without q) over one row: four lanes at a time,
 * then the remainder one by one.
 */
function rowMultiplyAdd(r: RowLocals, withQ = true): number[] {
  const lane = (
    load: number[],
    store: number[],
    add: number[],
    mul: number[],
    step: number,
    limit: number,
  ) => [
    op.block,
    op.void,
    op.loop,
    op.void,
    ...get(r.k),
    ...get(limit),
    op.geU,
    op.brIf,
    1,
    ...get(r.acc),
    ...get(r.k),
    op.add,
    ...get(r.acc),
    ...get(r.k),
    op.add,
    ...load,
    ...get(r.p),
    ...get(r.k),
    op.add,
    ...load,
    ...(withQ ? [...get(r.q), ...get(r.k), op.add, ...load, ...mul] : []),
    ...add,
    ...store,
    ...get(r.k),
    ...i32(step),
    op.add,
    ...set(r.k),
    op.br,
    0,
    op.end,
    op.end,
  ];
  return [
    ...i32(0),
    ...set(r.k),
    ...lane(
      [op.simd, ...V128_LOAD, ...memarg],
      [op.simd, ...V128_STORE, ...memarg],
      [op.simd, ...F32X4_ADD],
      [op.simd, ...F32X4_MUL],
      16,
      r.vecBytes,
    ),
    ...lane(
      [op.f32Load, ...memarg],
      [op.f32Store, ...memarg],
      [op.f32Add],
      [op.f32Mul],
      4,
      r.rowBytes,
    ),
  ];
}

function depthwiseBody(): number[] {
  const mode = get(P.mode);
  const tap = [
    // iw = ow*stride + j - padLeft; taps on the padding contribute nothing.
    ...mulAdd(get(L.ow), get(P.stride), get(L.j)),
    ...get(P.padLeft),
    op.sub,
    ...set(L.iw),
    op.block,
    op.void,
    ...get(L.iw),
    ...get(P.inWidth),
    op.geU,
    op.brIf,
    0,
    // inRow = input + ((n*inHeight + ih)*inWidth + iw) * rowBytes
    ...get(P.input),
    ...mulAdd(mulAdd(get(L.n), get(P.inHeight), get(L.ih)), get(P.inWidth), get(L.iw)),
    ...get(L.rowBytes),
    op.mul,
    op.add,
    ...set(L.inRow),
    // tapRow = filter + (i*filterWidth + j) * rowBytes
    ...get(P.filter),
    ...mulAdd(get(L.i), get(P.filterWidth), get(L.j)),
    ...get(L.rowBytes),
    op.mul,
    op.add,
    ...set(L.tapRow),
    // acc = mode == 0 ? outRow : mode == 1 ? tapRow : inRow
    ...get(L.outRow),
    ...get(L.tapRow),
    ...get(L.inRow),
    ...mode,
    ...i32(1),
    op.eq,
    op.select,
    ...mode,
    op.eqz,
    op.select,
    ...set(L.acc),
    // p = mode == 2 ? outRow : inRow
    ...get(L.outRow),
    ...get(L.inRow),
    ...mode,
    ...i32(2),
    op.eq,
    op.select,
    ...set(L.p),
    // q = mode == 1 ? outRow : tapRow
    ...get(L.outRow),
    ...get(L.tapRow),
    ...mode,
    ...i32(1),
    op.eq,
    op.select,
    ...set(L.q),
    ...rowMultiplyAdd(L),
    op.end,
  ];
  const row = [
    // ih = oh*stride + i - padTop
    ...mulAdd(get(L.oh), get(P.stride), get(L.i)),
    ...get(P.padTop),
    op.sub,
    ...set(L.ih),
    op.block,
    op.void,
    ...get(L.ih),
    ...get(P.inHeight),
    op.geU,
    op.brIf,
    0,
    ...countedLoop(L.j, P.filterWidth, tap),
    op.end,
  ];
  const pixel = [
    // outRow = output + ((n*outHeight + oh)*outWidth + ow) * rowBytes
    ...get(P.output),
    ...mulAdd(mulAdd(get(L.n), get(P.outHeight), get(L.oh)), get(P.outWidth), get(L.ow)),
    ...get(L.rowBytes),
    op.mul,
    op.add,
    ...set(L.outRow),
    ...countedLoop(L.i, P.filterHeight, row),
  ];
  return [
    ...get(P.channels),
    ...i32(4),
    op.mul,
    ...set(L.rowBytes),
    ...get(P.channels),
    ...i32(-4),
    op.and,
    ...i32(4),
    op.mul,
    ...set(L.vecBytes),
    ...countedLoop(
      L.n,
      P.batch,
      countedLoop(L.oh, P.outHeight, countedLoop(L.ow, P.outWidth, pixel)),
    ),
  ];
}

/** The column functions' parameters, in order; all i32, addresses in bytes. */
export const COLUMN_PARAMS = ['a', 'b', 'out', 'rows', 'channels'] as const;

/**
 * out[c] += sum over rows r of a[r, c] * b[r, c] (or of a[r, c] alone): batch norm's
 * per-channel reductions over the n·h·w rows of an [m, c] tensor, in one pass and without
 * the transpose that tfjs's Sum over a leading axis makes, or the product it materialises.
 */
function columnBody(withB: boolean): number[] {
  const [a, b, out, rows, channels] = [0, 1, 2, 3, 4];
  const c = { r: 5, rowBytes: 6, vecBytes: 7, acc: 8, p: 9, q: 10, k: 11 };
  const advance = (l: number) => [...get(l), ...get(c.rowBytes), op.add, ...set(l)];
  return [
    ...get(channels),
    ...i32(4),
    op.mul,
    ...set(c.rowBytes),
    ...get(channels),
    ...i32(-4),
    op.and,
    ...i32(4),
    op.mul,
    ...set(c.vecBytes),
    ...get(out),
    ...set(c.acc),
    ...get(a),
    ...set(c.p),
    ...get(b),
    ...set(c.q),
    ...countedLoop(c.r, rows, [...rowMultiplyAdd(c, withB), ...advance(c.p), ...advance(c.q)]),
  ];
}
const COLUMN_LOCALS = 7;

/** The ReLU6 gradient's parameters, in order; all i32, addresses in bytes. */
export const RELU6_GRAD_PARAMS = ['dy', 'y', 'out', 'count'] as const;

/**
 * out[i] = dy[i] where 0 < y[i] < 6, else 0: the gradient of ReLU6 given its output y, in one
 * pass (tfjs needs two comparisons, a logical and, a cast and a product).
 */
function relu6GradBody(): number[] {
  const [dy, y, out, count] = [0, 1, 2, 3];
  const [k, vecBytes, bytes, v] = [4, 5, 6, 7];
  const at = (base: number) => [...get(base), ...get(k), op.add];
  const simd = (...code: number[]) => [op.simd, ...code];
  const f32 = (x: number) => [0x43, ...new Uint8Array(Float32Array.of(x).buffer)];
  const loop = (limit: number, step: number, body: number[]) => [
    op.block,
    op.void,
    op.loop,
    op.void,
    ...get(k),
    ...get(limit),
    op.geU,
    op.brIf,
    1,
    ...body,
    ...get(k),
    ...i32(step),
    op.add,
    ...set(k),
    op.br,
    0,
    op.end,
    op.end,
  ];
  return [
    ...get(count),
    ...i32(4),
    op.mul,
    ...set(bytes),
    ...get(count),
    ...i32(-4),
    op.and,
    ...i32(4),
    op.mul,
    ...set(vecBytes),
    ...i32(0),
    ...set(k),
    ...loop(vecBytes, 16, [
      ...at(out),
      ...at(dy),
      ...simd(...V128_LOAD, ...memarg),
      ...at(y),
      ...simd(...V128_LOAD, ...memarg),
      0x22, // local.tee
      ...uleb(v),
      ...simd(...V128_CONST, ...new Array<number>(16).fill(0)),
      ...simd(...F32X4_GT),
      ...get(v),
      ...f32(6),
      ...simd(...F32X4_SPLAT),
      ...simd(...F32X4_LT),
      ...simd(...V128_AND),
      ...simd(...V128_AND),
      ...simd(...V128_STORE, ...memarg),
    ]),
    ...loop(bytes, 4, [
      ...at(out),
      ...at(dy),
      op.f32Load,
      ...memarg,
      ...f32(0),
      ...at(y),
      op.f32Load,
      ...memarg,
      ...f32(0),
      F32_GT,
      ...at(y),
      op.f32Load,
      ...memarg,
      ...f32(6),
      F32_LT,
      op.and,
      op.select,
      op.f32Store,
      ...memarg,
    ]),
  ];
}

/** Per-channel batch-norm passes over the rows of [m, c] tensors (see channelwise). */
export const BN_FORWARD_PARAMS = [
  'x',
  'mean',
  'rstd',
  'gamma',
  'beta',
  'xhat',
  'y',
  'rows',
  'channels',
] as const;
export const BN_BACKWARD_PARAMS = ['dz', 'xhat', 'a', 'b', 's', 'dx', 'rows', 'channels'] as const;
export const CENTRED_SQUARES_PARAMS = ['x', 'mean', 'out', 'rows', 'channels'] as const;

/** Element-wise code for four lanes at a time or for one float: the same formula for both. */
interface Lane {
  load(ptr: number): number[];
  store(ptr: number, value: number[]): number[];
  splat(x: number): number[];
  tee(): number[];
  tmp(): number[];
  add: number[];
  sub: number[];
  mul: number[];
  min: number[];
  max: number[];
}

const F32 = 0x7d;
const TEE = 0x22;

/**
 * A function of `params` i32 parameters that runs `body` for every channel of every row:
 * parameters listed in `rowPtrs` address [rows, channels] tensors and move on by a row each
 * time, the others address [channels] vectors (or accumulators) that stay put.
 */
function channelwise(
  params: readonly string[],
  rowPtrs: readonly string[],
  body: (lane: Lane) => number[],
): WasmFunction {
  const index = (name: string) => params.indexOf(name);
  const rows = index('rows');
  const channels = index('channels');
  const [r, rowBytes, vecBytes, k, vtmp, ftmp] = [0, 1, 2, 3, 4, 5].map((i) => params.length + i);
  const at = (ptr: number) => [...get(ptr), ...get(k), op.add];
  const vector: Lane = {
    load: (ptr) => [...at(ptr), op.simd, ...V128_LOAD, ...memarg],
    store: (ptr, value) => [...at(ptr), ...value, op.simd, ...V128_STORE, ...memarg],
    splat: (x) => [0x43, ...new Uint8Array(Float32Array.of(x).buffer), op.simd, ...F32X4_SPLAT],
    tee: () => [TEE, ...uleb(vtmp)],
    tmp: () => get(vtmp),
    add: [op.simd, ...F32X4_ADD],
    sub: [op.simd, ...F32X4_SUB],
    mul: [op.simd, ...F32X4_MUL],
    min: [op.simd, ...F32X4_MIN],
    max: [op.simd, ...F32X4_MAX],
  };
  const scalar: Lane = {
    load: (ptr) => [...at(ptr), op.f32Load, ...memarg],
    store: (ptr, value) => [...at(ptr), ...value, op.f32Store, ...memarg],
    splat: (x) => [0x43, ...new Uint8Array(Float32Array.of(x).buffer)],
    tee: () => [TEE, ...uleb(ftmp)],
    tmp: () => get(ftmp),
    add: [op.f32Add],
    sub: [0x93],
    mul: [op.f32Mul],
    min: [0x96],
    max: [0x97],
  };
  const lanes = (lane: Lane, step: number, limit: number) => [
    op.block,
    op.void,
    op.loop,
    op.void,
    ...get(k),
    ...get(limit),
    op.geU,
    op.brIf,
    1,
    ...body(lane),
    ...get(k),
    ...i32(step),
    op.add,
    ...set(k),
    op.br,
    0,
    op.end,
    op.end,
  ];
  const advance = rowPtrs.flatMap((name) => [
    ...get(index(name)),
    ...get(rowBytes),
    op.add,
    ...set(index(name)),
  ]);
  return {
    params: params.length,
    locals: [
      [4, I32],
      [1, V128],
      [1, F32],
    ],
    body: [
      ...get(channels),
      ...i32(4),
      op.mul,
      ...set(rowBytes),
      ...get(channels),
      ...i32(-4),
      op.and,
      ...i32(4),
      op.mul,
      ...set(vecBytes),
      ...countedLoop(r, rows, [
        ...i32(0),
        ...set(k),
        ...lanes(vector, 16, vecBytes),
        ...lanes(scalar, 4, rowBytes),
        ...advance,
      ]),
    ],
  };
}

/** x̂ = (x − μ)·rstd, y = γ·x̂ + β, clipped to [0, 6] for ReLU6. */
function bnForward(relu6: boolean): WasmFunction {
  const p = (name: (typeof BN_FORWARD_PARAMS)[number]) => BN_FORWARD_PARAMS.indexOf(name);
  return channelwise(BN_FORWARD_PARAMS, ['x', 'xhat', 'y'], (l) => [
    ...l.store(p('xhat'), [
      ...l.load(p('x')),
      ...l.load(p('mean')),
      ...l.sub,
      ...l.load(p('rstd')),
      ...l.mul,
      ...l.tee(),
    ]),
    ...l.store(p('y'), [
      ...l.tmp(),
      ...l.load(p('gamma')),
      ...l.mul,
      ...l.load(p('beta')),
      ...l.add,
      ...(relu6 ? [...l.splat(0), ...l.max, ...l.splat(6), ...l.min] : []),
    ]),
  ]);
}

/** dx = s·(dz − a − x̂·b), with a = Σdz/m, b = Σdz·x̂/m and s = γ·rstd per channel. */
function bnBackward(): WasmFunction {
  const p = (name: (typeof BN_BACKWARD_PARAMS)[number]) => BN_BACKWARD_PARAMS.indexOf(name);
  return channelwise(BN_BACKWARD_PARAMS, ['dz', 'xhat', 'dx'], (l) => [
    ...l.store(p('dx'), [
      ...l.load(p('dz')),
      ...l.load(p('a')),
      ...l.sub,
      ...l.load(p('xhat')),
      ...l.load(p('b')),
      ...l.mul,
      ...l.sub,
      ...l.load(p('s')),
      ...l.mul,
    ]),
  ]);
}

/** out[c] += Σ over rows (x − μ)²: the variance's sum without the centred tensor. */
function centredSquares(): WasmFunction {
  const p = (name: (typeof CENTRED_SQUARES_PARAMS)[number]) => CENTRED_SQUARES_PARAMS.indexOf(name);
  return channelwise(CENTRED_SQUARES_PARAMS, ['x'], (l) => [
    ...l.store(p('out'), [
      ...l.load(p('out')),
      ...l.load(p('x')),
      ...l.load(p('mean')),
      ...l.sub,
      ...l.tee(),
      ...l.tmp(),
      ...l.mul,
      ...l.add,
    ]),
  ]);
}

interface WasmFunction {
  params: number;
  /** [count, type] groups of locals after the parameters. */
  locals: [number, number][];
  body: number[];
}

const i32Function = (params: number, locals: number, body: number[]): WasmFunction => ({
  params,
  locals: [[locals, I32]],
  body,
});

/** The module's exports, in order. */
function moduleFunctions(): [string, WasmFunction][] {
  return [
    ['depthwise', i32Function(DEPTHWISE_PARAMS.length, LOCAL_COUNT, depthwiseBody())],
    ['columnSum', i32Function(COLUMN_PARAMS.length, COLUMN_LOCALS, columnBody(false))],
    ['columnDot', i32Function(COLUMN_PARAMS.length, COLUMN_LOCALS, columnBody(true))],
    [
      'relu6Grad',
      {
        params: RELU6_GRAD_PARAMS.length,
        locals: [
          [3, I32],
          [1, V128],
        ],
        body: relu6GradBody(),
      },
    ],
    ['bnForward', bnForward(false)],
    ['bnForwardRelu6', bnForward(true)],
    ['bnBackward', bnBackward()],
    ['centredSquares', centredSquares()],
  ];
}

/** The module's bytes: imports `env.memory`, exports the functions of moduleFunctions. */
export function simdModuleBytes(): Uint8Array {
  const fns = moduleFunctions();
  const funcType = (n: number) => [0x60, ...uleb(n), ...new Array<number>(n).fill(I32), 0];
  const memoryImport = [...str('env'), ...str('memory'), 0x02, 0x00, 0x00];
  const code = (f: WasmFunction) => {
    const full = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.body, op.end];
    return [...uleb(full.length), ...full];
  };
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(fns.map(([, f]) => funcType(f.params)))),
    ...section(2, vec([memoryImport])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map(([name], i) => [...str(name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map(([, f]) => code(f)))),
  ];
  return Uint8Array.from(bytes);
}
