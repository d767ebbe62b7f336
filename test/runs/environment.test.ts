// Package lists as a training host prints them: `pip freeze` from a CUDA PyTorch fine-tuning
// environment (local versions, editable and direct-reference installs, conda paths), and a
// hand-written requirements.txt with markers, hashes, continuations and index options.
import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeHost, normalizePackageName, parseRequirements, runEnvironment } from '../../src/runs/environment.js';

const PIP_FREEZE = `accelerate==1.1.1
aiohttp==3.11.9
bitsandbytes==0.45.0
certifi @ file:///croot/certifi_1720453481653/work/certifi
datasets==3.1.0
-e git+https://github.com/org/repo@abc1234#egg=x
# Editable install with no version control (my_trainer==0.3.0)
-e /home/ada/src/my-trainer
flash_attn==2.7.0.post2
huggingface-hub==0.26.3
mypkg @ file:///tmp/x.whl
nvidia-cudnn-cu12==9.1.0.70
peft==0.13.2
private-utils @ git+https://ada:ghp_SECRET@github.com/org/private-utils@0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6
PyYAML==6.0.2
safetensors==0.4.5
sentencepiece==0.2.0
torch==2.5.1+cu124
transformers==4.46.3
triton==3.1.0
zope.interface==7.1.1
`;

const REQUIREMENTS = `# Fine-tuning requirements, pinned with hashes (pip-compile --generate-hashes)
--index-url https://pypi.org/simple
--extra-index-url https://download.pytorch.org/whl/cu124

torch==2.5.1+cu124 \\
    --hash=sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9 \\
    --hash=sha256:1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a
transformers>=4.44,<5    # any 4.x from 4.44
Peft~=0.13.0
numpy==1.26.4 ; python_version >= "3.9"
numpy==1.24.4; python_version < "3.9"
tomli; python_version<"3.11"
Accelerate[deepspeed] == 1.1.1
sentence-transformers
flash-attn==2.7.*
torchvision===0.20.1+cu124
`;

describe('parseRequirements', () => {
  it('reads pip freeze output: pins, local versions, editable and direct-reference installs, no credentials', () => {
    expect(parseRequirements(PIP_FREEZE, 'pip-freeze.txt')).toEqual([
      { name: 'accelerate', version: '1.1.1' },
      { name: 'aiohttp', version: '3.11.9' },
      { name: 'bitsandbytes', version: '0.45.0' },
      { name: 'certifi', version: null, source: 'file:///croot/certifi_1720453481653/work/certifi' },
      { name: 'datasets', version: '3.1.0' },
      { name: 'flash-attn', version: '2.7.0.post2' },
      { name: 'huggingface-hub', version: '0.26.3' },
      { name: 'my-trainer', version: '0.3.0', source: '/home/ada/src/my-trainer' },
      { name: 'mypkg', version: null, source: 'file:///tmp/x.whl' },
      { name: 'nvidia-cudnn-cu12', version: '9.1.0.70' },
      { name: 'peft', version: '0.13.2' },
      { name: 'private-utils', version: null, source: 'git+https://github.com/org/private-utils@0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6' },
      { name: 'pyyaml', version: '6.0.2' },
      { name: 'safetensors', version: '0.4.5' },
      { name: 'sentencepiece', version: '0.2.0' },
      { name: 'torch', version: '2.5.1+cu124' },
      { name: 'transformers', version: '4.46.3' },
      { name: 'triton', version: '3.1.0' },
      { name: 'x', version: null, source: 'git+https://github.com/org/repo@abc1234#egg=x' },
      { name: 'zope-interface', version: '7.1.1' },
    ]);
  });

  it('reads a requirements.txt: hashes and continuations, specifiers and markers kept in source, options passed over', () => {
    expect(parseRequirements(REQUIREMENTS, 'requirements.txt')).toEqual([
      { name: 'accelerate', version: '1.1.1' },
      { name: 'flash-attn', version: null, source: '==2.7.*' },
      { name: 'numpy', version: '1.26.4', source: '==1.26.4; python_version >= "3.9"' },
      { name: 'numpy', version: '1.24.4', source: '==1.24.4; python_version < "3.9"' },
      { name: 'peft', version: null, source: '~=0.13.0' },
      { name: 'sentence-transformers', version: null },
      { name: 'tomli', version: null, source: '; python_version<"3.11"' },
      { name: 'torch', version: '2.5.1+cu124' },
      { name: 'torchvision', version: '0.20.1+cu124', source: '===0.20.1+cu124' },
      { name: 'transformers', version: null, source: '>=4.44,<5' },
    ]);
  });

  it('handles CRLF, a BOM, parenthesised specifiers, editable options and a bare wheel', () => {
    const text = '\uFEFFfoo_bar.Baz (>=1.0)\r\n--editable=git+ssh://git:pw@host/r.git@v1#egg=tool[dev]&subdirectory=py\r\nhttps://u:p@files.example.org/pkgs/Some_Pkg-1.2.0-py3-none-any.whl\r\n';
    expect(parseRequirements(text, 'r.txt')).toEqual([
      { name: 'foo-bar-baz', version: null, source: '>=1.0' },
      { name: 'some-pkg', version: null, source: 'https://files.example.org/pkgs/Some_Pkg-1.2.0-py3-none-any.whl' },
      { name: 'tool', version: null, source: 'git+ssh://git@host/r.git@v1#egg=tool[dev]&subdirectory=py' },
    ]);
    expect(parseRequirements('', 'empty.txt')).toEqual([]);
    expect(parseRequirements('# only a comment\n\n', 'c.txt')).toEqual([]);
  });

  it.each([
    ['torch==2.5.1\ntorch 2.5.1\n', 2, /cannot read "torch 2\.5\.1"/],
    ['a==1\n\n-r base.txt\n', 3, /includes another file/],
    ['-e .\n', 1, /cannot tell the package name/],
    ['x==1 --frobnicate\n', 1, /unknown option/],
    ['--frobnicate\n', 1, /unknown option --frobnicate/],
    ['a==1 \\\n  --hash=sha256:00\nb=1\n', 3, /cannot read "b=1"/],
    ['pkg;\n', 1, /cannot read/],
    ['pkg @\n', 1, /cannot read/],
  ])('%j: an InputError naming the file and line', (text, line, message) => {
    let err: unknown;
    try {
      parseRequirements(text, 'req.txt');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'INPUT_INVALID', data: { file: 'req.txt', line } });
    expect((err as Error).message.startsWith(`req.txt:${line}: `)).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  it('normalises names as PEP 503 does', () => {
    expect(['Friendly-Bard', 'FRIENDLY-BARD', 'friendly.bard', 'friendly_bard', 'friendly--bard', 'FrIeNdLy-._.-bArD'].map(normalizePackageName)).toEqual(Array(6).fill('friendly-bard'));
  });
});

describe('describeHost and runEnvironment', () => {
  it('describes the OS and the CPU model × count', () => {
    const h = describeHost();
    expect(h.os).toMatch(/^\S+ \S+ \S+$/);
    const total = [...h.cpu.matchAll(/ × (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(total).toBe(cpus().length);
  });

  it('assembles an environment and checks what callers pass', () => {
    const env = runEnvironment({
      python: '3.11.9',
      packages: parseRequirements('torch==2.5.1+cu124\naccelerate==1.1.1\n', 'f'),
      gpu: 'NVIDIA H100 80GB HBM3',
      gpuCount: 8,
      host: { os: 'linux 6.8.0 x64', cpu: 'AMD EPYC 9654 96-Core Processor × 192' },
    });
    expect(env).toEqual({
      python: '3.11.9',
      packages: [{ name: 'accelerate', version: '1.1.1' }, { name: 'torch', version: '2.5.1+cu124' }],
      os: 'linux 6.8.0 x64',
      cpu: 'AMD EPYC 9654 96-Core Processor × 192',
      gpu: 'NVIDIA H100 80GB HBM3',
      gpuCount: 8,
    });
    expect(runEnvironment({}).os).toBe(describeHost().os);
    expect(() => runEnvironment({ python: 'three' })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', data: { field: 'python' } }));
    expect(() => runEnvironment({ gpuCount: 1.5 })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', data: { field: 'gpuCount' } }));
  });
});
