// The computational resources a fine-tuning run used, as EU AI Act Annex XI Section 1, 2(d)-(e)
// asks of a general-purpose AI model's documentation: training compute in FLOPs, training time,
// and energy "known or estimated", with the method of any estimate stated.
//
// The Commission's guidelines on the scope of GPAI obligations (July 2025, section 3.2) treat a
// downstream modifier as the provider of a new model when the modification used more than one
// third of the original model's training compute; `ratioToBase` and `exceedsOneThird` record that
// comparison when both figures are known, and nothing when either is not.
import { InputError } from '../core/errors.js';

export interface ComputeInput {
  /** Training compute of this run, as reported by the trainer or profiler. */
  flops?: number | null;
  /** GPU-hours summed over all GPUs (wall-clock hours × GPUs). */
  gpuHours?: number | null;
  gpuCount?: number | null;
  /** As the runtime names it ("NVIDIA H100 80GB HBM3") or a key of GPU_BOARD_POWER_WATTS. */
  gpuModel?: string | null;
  /** Board power of one GPU in watts, when known; else looked up by gpuModel. */
  gpuPowerWatts?: number | null;
  /** Power usage effectiveness of the data centre (≥ 1); DEFAULT_PUE when not given. */
  pue?: number | null;
  /** Measured energy (kWh), if the user has it: it wins over any estimate. */
  energyKwh?: number | null;
  /** Training compute of the base model (FLOPs), when its provider published it. */
  baseModelFlops?: number | null;
  /** Parameters of the base model. Checked and kept for callers; no estimate uses it. */
  baseModelParameters?: number | null;
  /** Tokens processed in training (the D of 6·N·D: every epoch counts). */
  tokens?: number | null;
  /**
   * Parameters the training passes ran through (the N of 6·N·D). For parameter-efficient
   * fine-tuning (LoRA) give the whole model's count: forward and backward passes run through all
   * weights, and 6·N·D then overstates by at most a third (weight gradients are computed for the
   * adapters only, so about 4·N·D).
   */
  parameters?: number | null;
}

export interface ComputeRecord {
  flops: number | null;
  flopsMethod: 'reported' | '6ND-estimate' | null;
  gpuHours: number | null;
  gpuCount: number | null;
  gpuModel: string | null;
  energyKwh: number | null;
  /** 'measured (given by user)', or the estimate's formula with each figure's source; null with no energy. */
  energyMethod: string | null;
  baseModelFlops: number | null;
  /** flops / baseModelFlops, when both are known. */
  ratioToBase: number | null;
  /** ratioToBase > 1/3 (Commission GPAI guidelines, July 2025); null when the ratio is unknown. */
  exceedsOneThird: boolean | null;
}

/**
 * Power usage effectiveness assumed when the user gives none: 1.56, the average annual PUE of
 * the data centres in the Uptime Institute Global Data Center Survey 2024. Hyperscale and GPU
 * clouds often run lower (Google reports a fleet-wide 1.09 for 2024), so for them this errs high.
 */
export const DEFAULT_PUE = 1.56;
const DEFAULT_PUE_SOURCE = 'default: Uptime Institute Global Data Center Survey 2024 average';

/**
 * Maximum board power (TDP / total board power) of one GPU, in watts, from the vendors' data
 * sheets. An estimate from these assumes every GPU drew its maximum the whole time: an upper
 * bound for the GPUs, which leaves out CPUs, memory and network (PUE covers the facility only).
 */
export const GPU_BOARD_POWER_WATTS: Record<string, number> = {
  // NVIDIA A100 Tensor Core GPU data sheet (2021): SXM 400 W; PCIe 80GB 300 W; PCIe 40GB 250 W.
  'A100 SXM': 400,
  'A100 PCIe 80GB': 300,
  'A100 PCIe 40GB': 250,
  // NVIDIA H100 Tensor Core GPU data sheet: SXM up to 700 W; PCIe 300-350 W; NVL 350-400 W
  // (configurable; the maximum is taken).
  'H100 SXM': 700,
  'H100 PCIe': 350,
  'H100 NVL': 400,
  // NVIDIA H200 Tensor Core GPU data sheet: SXM up to 700 W; NVL up to 600 W.
  'H200 SXM': 700,
  'H200 NVL': 600,
  // NVIDIA DGX B200 / HGX B200 data sheet: up to 1,000 W per GPU.
  B200: 1000,
  // NVIDIA L4 data sheet: 72 W. L40S data sheet: 350 W. L40 data sheet: 300 W.
  L4: 72,
  L40S: 350,
  L40: 300,
  // NVIDIA A10 data sheet: 150 W. A40 data sheet: 300 W. T4 data sheet: 70 W.
  A10: 150,
  A40: 300,
  T4: 70,
  // NVIDIA V100 data sheet: SXM2 300 W; PCIe 250 W.
  'V100 SXM2': 300,
  'V100 PCIe': 250,
  // NVIDIA RTX A6000 data sheet: 300 W. GeForce RTX 4090 specifications: 450 W total graphics power.
  'RTX A6000': 300,
  'RTX 4090': 450,
  // AMD Instinct MI300X data sheet: 750 W peak board power. MI250X data sheet: 560 W.
  MI300X: 750,
  MI250X: 560,
};

// Words of a device name that say nothing about board power ("NVIDIA", "Tesla", "AMD Instinct").
const NOISE = new Set(['NVIDIA', 'TESLA', 'AMD', 'INSTINCT', 'GEFORCE']);

function tokens(name: string): Set<string> {
  const out = new Set<string>();
  for (const t of name.toUpperCase().split(/[\s\-_/(),]+/)) {
    if (t === '' || NOISE.has(t)) continue;
    out.add(/^SXM\d$/.test(t) ? 'SXM' : t); // "A100-SXM4-80GB", "V100-SXM2-16GB"
  }
  // torch.cuda.get_device_name names the SXM parts without the form factor: "NVIDIA H100 80GB
  // HBM3" (PCIe and NVL parts say "PCIe", "NVL"), "NVIDIA H200" (the NVL part says "NVL").
  if ((out.has('H100') && out.has('HBM3')) || out.has('H200')) {
    if (!out.has('PCIE') && !out.has('NVL')) out.add('SXM');
  }
  return out;
}

/**
 * The board power of a GPU model: the table entry whose every word is in the name, the most
 * specific one winning. An ambiguous name ("A100", which is 250, 300 or 400 W) gives null.
 */
export function boardPowerOf(gpuModel: string): { key: string; watts: number } | null {
  const exact = Object.keys(GPU_BOARD_POWER_WATTS).find((k) => k.toLowerCase() === gpuModel.trim().toLowerCase());
  if (exact !== undefined) return { key: exact, watts: GPU_BOARD_POWER_WATTS[exact]! };
  const have = tokens(gpuModel);
  let best: { key: string; size: number }[] = [];
  for (const key of Object.keys(GPU_BOARD_POWER_WATTS)) {
    const want = tokens(key);
    if (![...want].every((t) => have.has(t))) continue;
    if (best.length === 0 || want.size > best[0]!.size) best = [{ key, size: want.size }];
    else if (want.size === best[0]!.size) best.push({ key, size: want.size });
  }
  if (best.length !== 1) return null;
  return { key: best[0]!.key, watts: GPU_BOARD_POWER_WATTS[best[0]!.key]! };
}

type NumberField = Exclude<keyof ComputeInput, 'gpuModel'>;

/** A finite number ≥ min (> min when `strict`), an integer when `integer`; null when absent. */
function num(input: ComputeInput, field: NumberField, opts: { min?: number; strict?: boolean; integer?: boolean } = {}): number | null {
  const v: unknown = input[field];
  if (v === undefined || v === null) return null;
  const min = opts.min ?? 0;
  const what = `${opts.integer ? 'a whole number' : 'a finite number'} ${opts.strict ? '>' : '≥'} ${min}`;
  const bad = typeof v !== 'number' || !Number.isFinite(v) || (opts.strict ? v <= min : v < min) || (opts.integer === true && !Number.isInteger(v));
  if (bad) throw new InputError('INPUT_INVALID', `compute: ${field} must be ${what}, got ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`, { field, value: typeof v === 'number' ? String(v) : v });
  return v;
}

function fmt(n: number): string {
  return String(Number(n.toPrecision(12))); // drop float noise such as 0.30000000000000004
}

/** Builds the compute record of a run from what is known, estimating FLOPs and energy where the inputs allow. */
export function computeRecord(input: ComputeInput): ComputeRecord {
  if (input === null || typeof input !== 'object') throw new InputError('INPUT_INVALID', 'compute: expected an object of figures', {});
  const reported = num(input, 'flops');
  const gpuHours = num(input, 'gpuHours');
  const gpuCount = num(input, 'gpuCount', { integer: true });
  const watts = num(input, 'gpuPowerWatts', { strict: true });
  const pue = num(input, 'pue', { min: 1 }); // PUE = facility energy / IT energy, never below 1
  const measured = num(input, 'energyKwh');
  const baseModelFlops = num(input, 'baseModelFlops', { strict: true });
  num(input, 'baseModelParameters', { integer: true });
  const tokensIn = num(input, 'tokens', { integer: true });
  const parameters = num(input, 'parameters', { integer: true });
  const rawModel: unknown = input.gpuModel;
  if (rawModel !== undefined && rawModel !== null && (typeof rawModel !== 'string' || rawModel.trim() === '' || rawModel.length > 300)) {
    throw new InputError('INPUT_INVALID', `compute: gpuModel must be a name of 1 to 300 characters, got ${JSON.stringify(rawModel)}`, { field: 'gpuModel' });
  }
  const gpuModel = typeof rawModel === 'string' ? rawModel.trim() : null;

  // Reported FLOPs win; else C ≈ 6·N·D (Kaplan et al. 2020, "Scaling Laws for Neural Language
  // Models", section 2.1: 2N per token forward, 4N backward).
  let flops: number | null = null;
  let flopsMethod: ComputeRecord['flopsMethod'] = null;
  if (reported !== null) {
    flops = reported;
    flopsMethod = 'reported';
  } else if (parameters !== null && tokensIn !== null) {
    flops = 6 * parameters * tokensIn;
    flopsMethod = '6ND-estimate';
  }

  // Energy: measured wins; else GPU-hours × board power × PUE.
  let energyKwh: number | null = null;
  let energyMethod: string | null = null;
  if (measured !== null) {
    energyKwh = measured;
    energyMethod = 'measured (given by user)';
  } else if (gpuHours !== null) {
    const looked = watts === null && gpuModel !== null ? boardPowerOf(gpuModel) : null;
    const w = watts ?? looked?.watts ?? null;
    if (w !== null) {
      const p = pue ?? DEFAULT_PUE;
      energyKwh = (gpuHours * w * p) / 1000;
      const wSource = watts !== null ? 'given' : `${looked!.key}, vendor data sheet`;
      const pSource = pue !== null ? '' : ` (${DEFAULT_PUE_SOURCE})`;
      energyMethod = `estimate: ${fmt(gpuHours)} GPU-hours × ${fmt(w)} W board power (${wSource}) × PUE ${fmt(p)}${pSource}`;
    }
  }

  // flops·3 > base rather than flops/base > 1/3: no rounding at the boundary.
  const both = flops !== null && baseModelFlops !== null;
  return {
    flops,
    flopsMethod,
    gpuHours,
    gpuCount,
    gpuModel,
    energyKwh,
    energyMethod,
    baseModelFlops,
    ratioToBase: both ? flops! / baseModelFlops! : null,
    exceedsOneThird: both ? flops! * 3 > baseModelFlops! : null,
  };
}
