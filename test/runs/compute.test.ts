// Compute records with hand-computed figures: reported FLOPs over the 6·N·D estimate, energy
// measured over estimated (GPU-hours × board power × PUE), and the one-third comparison with the
// base model's training compute.
import { describe, expect, it } from 'vitest';
import { boardPowerOf, computeRecord, DEFAULT_PUE, GPU_BOARD_POWER_WATTS, type ComputeInput } from '../../src/runs/compute.js';

const EMPTY = {
  flops: null,
  flopsMethod: null,
  gpuHours: null,
  gpuCount: null,
  gpuModel: null,
  energyKwh: null,
  energyMethod: null,
  baseModelFlops: null,
  ratioToBase: null,
  exceedsOneThird: null,
};

describe('computeRecord', () => {
  it('nothing known: every field null', () => {
    expect(computeRecord({})).toEqual(EMPTY);
  });

  it('a LoRA run on 8 × H100: 6·N·D, energy from the device name and the default PUE, well under a third of the base', () => {
    // Llama-3.1-8B: N = 8.03e9; D = 2 epochs × 50M tokens = 1e8. 6 × 8.03e9 × 1e8 = 4.818e18.
    // 8 GPUs × 3.5 h = 28 GPU-hours × 700 W × 1.56 / 1000 = 30.576 kWh.
    // Base: an illustrative 1.224e24 FLOPs; ratio = 4.818e18 / 1.224e24 ≈ 3.94e-6.
    const r = computeRecord({ parameters: 8.03e9, tokens: 1e8, gpuHours: 28, gpuCount: 8, gpuModel: 'NVIDIA H100 80GB HBM3', baseModelFlops: 1.224e24 });
    expect(r).toEqual({
      flops: 4.818e18,
      flopsMethod: '6ND-estimate',
      gpuHours: 28,
      gpuCount: 8,
      gpuModel: 'NVIDIA H100 80GB HBM3',
      energyKwh: expect.closeTo(30.576, 9),
      energyMethod: 'estimate: 28 GPU-hours × 700 W board power (H100 SXM, vendor data sheet) × PUE 1.56 (default: Uptime Institute Global Data Center Survey 2024 average)',
      baseModelFlops: 1.224e24,
      ratioToBase: expect.closeTo(4.818e18 / 1.224e24, 15),
      exceedsOneThird: false,
    });
    expect(DEFAULT_PUE).toBe(1.56);
  });

  it('reported FLOPs win over the estimate; given watts and PUE as in the brief: 3.2 × 700 × 1.2 = 2.688 kWh', () => {
    const r = computeRecord({ flops: 2e20, parameters: 1e9, tokens: 1e9, gpuHours: 3.2, gpuPowerWatts: 700, pue: 1.2, gpuModel: 'L4' });
    expect(r.flops).toBe(2e20);
    expect(r.flopsMethod).toBe('reported');
    expect(r.energyKwh).toBeCloseTo(2.688, 12);
    // Given watts win over the model's table entry (an L4 is 72 W).
    expect(r.energyMethod).toBe('estimate: 3.2 GPU-hours × 700 W board power (given) × PUE 1.2');
  });

  it('measured energy wins over any estimate', () => {
    const r = computeRecord({ energyKwh: 12.5, gpuHours: 10, gpuModel: 'A100 SXM', pue: 1.1 });
    expect(r.energyKwh).toBe(12.5);
    expect(r.energyMethod).toBe('measured (given by user)');
    expect(computeRecord({ energyKwh: 0 })).toMatchObject({ energyKwh: 0, energyMethod: 'measured (given by user)' });
  });

  it('no estimate without GPU-hours, or without a known board power', () => {
    expect(computeRecord({ gpuModel: 'H100 SXM', pue: 1.2 })).toMatchObject({ energyKwh: null, energyMethod: null, gpuModel: 'H100 SXM' });
    expect(computeRecord({ gpuHours: 5, gpuModel: 'NVIDIA A100' })).toMatchObject({ energyKwh: null, energyMethod: null }); // 250, 300 or 400 W
    expect(computeRecord({ gpuHours: 5, gpuModel: 'Some Future GPU' })).toMatchObject({ energyKwh: null, energyMethod: null });
    expect(computeRecord({ gpuHours: 5 })).toMatchObject({ gpuHours: 5, energyKwh: null, energyMethod: null });
  });

  it('6·N·D only with both N and D', () => {
    expect(computeRecord({ parameters: 7e9 })).toMatchObject({ flops: null, flopsMethod: null });
    expect(computeRecord({ tokens: 1e9 })).toMatchObject({ flops: null, flopsMethod: null });
    expect(computeRecord({ parameters: 7e9, tokens: 1e9 })).toMatchObject({ flops: 4.2e19, flopsMethod: '6ND-estimate' });
  });

  it('one third of the base: strictly more than a third exceeds, exactly a third does not', () => {
    expect(computeRecord({ flops: 1e24, baseModelFlops: 3e24 })).toMatchObject({ ratioToBase: 1 / 3, exceedsOneThird: false });
    expect(computeRecord({ flops: 1.0000001e24, baseModelFlops: 3e24 })).toMatchObject({ exceedsOneThird: true });
    expect(computeRecord({ flops: 5e24, baseModelFlops: 1e25 })).toMatchObject({ ratioToBase: 0.5, exceedsOneThird: true });
    // Either figure missing: no ratio, no verdict.
    expect(computeRecord({ flops: 5e24 })).toMatchObject({ ratioToBase: null, exceedsOneThird: null });
    expect(computeRecord({ baseModelFlops: 1e25 })).toMatchObject({ baseModelFlops: 1e25, ratioToBase: null, exceedsOneThird: null });
  });

  it.each<[keyof ComputeInput, unknown]>([
    ['flops', -1],
    ['flops', Number.NaN],
    ['flops', Number.POSITIVE_INFINITY],
    ['gpuHours', -0.5],
    ['gpuHours', '3'],
    ['gpuCount', 2.5],
    ['gpuCount', -1],
    ['gpuPowerWatts', 0],
    ['gpuPowerWatts', Number.NaN],
    ['pue', 0.9],
    ['pue', Number.POSITIVE_INFINITY],
    ['energyKwh', -3],
    ['baseModelFlops', 0],
    ['baseModelFlops', Number.NEGATIVE_INFINITY],
    ['baseModelParameters', -7e9],
    ['tokens', 1.5],
    ['tokens', Number.NaN],
    ['parameters', -1],
    ['gpuModel', ''],
    ['gpuModel', 42],
  ])('%s = %s: an InputError naming the field', (field, value) => {
    expect(() => computeRecord({ [field]: value } as ComputeInput)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', data: expect.objectContaining({ field }) }));
  });
});

describe('GPU board power', () => {
  it.each([
    ['NVIDIA H100 80GB HBM3', 'H100 SXM', 700],
    ['NVIDIA H100 PCIe', 'H100 PCIe', 350],
    ['NVIDIA H100 NVL', 'H100 NVL', 400],
    ['NVIDIA H200', 'H200 SXM', 700],
    ['NVIDIA H200 NVL', 'H200 NVL', 600],
    ['NVIDIA A100-SXM4-80GB', 'A100 SXM', 400],
    ['NVIDIA A100-SXM4-40GB', 'A100 SXM', 400],
    ['NVIDIA A100 80GB PCIe', 'A100 PCIe 80GB', 300],
    ['NVIDIA A100-PCIE-40GB', 'A100 PCIe 40GB', 250],
    ['NVIDIA L4', 'L4', 72],
    ['NVIDIA L40S', 'L40S', 350],
    ['NVIDIA L40', 'L40', 300],
    ['Tesla T4', 'T4', 70],
    ['Tesla V100-SXM2-16GB', 'V100 SXM2', 300],
    ['NVIDIA GeForce RTX 4090', 'RTX 4090', 450],
    ['NVIDIA RTX A6000', 'RTX A6000', 300],
    ['AMD Instinct MI300X', 'MI300X', 750],
    ['NVIDIA B200', 'B200', 1000],
    ['h100 sxm', 'H100 SXM', 700],
  ])('%s -> %s (%i W)', (name, key, watts) => {
    expect(boardPowerOf(name)).toEqual({ key, watts });
    expect(GPU_BOARD_POWER_WATTS[key]).toBe(watts);
  });

  it.each(['NVIDIA A100', 'H100', 'NVIDIA A10G', 'Apple M2 Max', ''])('%j: unknown or ambiguous, no guess', (name) => {
    expect(boardPowerOf(name)).toBeNull();
  });
});
