import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@hvcm/metrics';
import { DETECTOR_REGISTRY, createDetector, detectorFromJSON, listDetectors } from './registry';
import { EnergyDetector } from '../detectors/energy';

describe('registry', () => {
  it('lists every detector with its input kind and builds each by name', () => {
    const names = listDetectors().map((info) => info.name);
    for (const name of ['msp', 'max-logit', 'energy', 'gen', 'odin', 'mahalanobis', 'relative-mahalanobis', 'knn', 'vim', 'react']) {
      expect(names).toContain(name);
    }
    const info = listDetectors().find((entry) => entry.name === 'vim');
    expect(info).toMatchObject({ input: 'features+linear', needsLabels: false, needsFit: true });
    expect(listDetectors().find((entry) => entry.name === 'mahalanobis')?.needsLabels).toBe(true);
    const energy = createDetector('energy', { temperature: 3 });
    expect(energy).toBeInstanceOf(EnergyDetector);
    expect((energy as EnergyDetector).temperature).toBe(3);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DETECTOR_REGISTRY)).toBe(true);
    expect(Object.isFrozen(DETECTOR_REGISTRY.msp)).toBe(true);
  });

  it('names the known detectors on an unknown name or kind', () => {
    expect(() => createDetector('nope')).toThrow(/Known detectors: .*msp/);
    expect(() => createDetector('toString')).toThrow(InvalidArgumentError);
    expect(() => detectorFromJSON({ kind: 'nope', version: 1 })).toThrow(InvalidArgumentError);
    expect(() => detectorFromJSON({ kind: 'energy', version: 99, temperature: 1 })).toThrow(/version 1/);
  });
});
