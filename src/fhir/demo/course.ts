import type { DemoRecord } from './record.js';
import type { Story } from './timeline.js';

const MONTH = 30 * 86_400_000;

/**
 * How the person's measurements move over the years: blood pressure, weight, glucose and lipids
 * improve once a diagnosis leads to treatment. Values scatter around these means.
 */
export class Course {
  readonly heightCm: number;
  private readonly statinStart: number;
  private readonly metforminStart: number;

  constructor(
    private readonly record: DemoRecord,
    story: Story,
    female: boolean,
  ) {
    this.heightCm = female ? record.rng.normal(166, 3) : record.rng.normal(178, 4);
    this.statinStart = story.lipidDiagnosis.start.getTime();
    this.metforminStart = story.diabetesDiagnosis.start.getTime();
  }

  /** 0 before `start`, rising to 1 over `months` after it. */
  private effect(at: Date, start: number, months: number): number {
    return Math.min(1, Math.max(0, (at.getTime() - start) / (months * MONTH)));
  }

  private scatter(mean: number, deviation: number): number {
    return this.record.rng.normal(mean, deviation);
  }

  weightKg(at: Date): number {
    const base = this.heightCm > 172 ? 101 : 91;
    return this.scatter(base - 7 * this.effect(at, this.metforminStart, 18), 0.7);
  }

  systolic(at: Date): number {
    return this.scatter(139 - 10 * this.effect(at, this.metforminStart, 18), 6);
  }

  diastolic(at: Date): number {
    return this.scatter(87 - 6 * this.effect(at, this.metforminStart, 18), 4);
  }

  heartRate(): number {
    return this.scatter(74, 6);
  }

  hba1c(at: Date): number {
    const time = at.getTime();
    const before =
      5.8 + 1.1 * Math.min(1, Math.max(0, 1 - (this.metforminStart - time) / (14 * MONTH)));
    if (time <= this.metforminStart) return this.scatter(before, 0.1);
    return this.scatter(6.9 - 0.8 * this.effect(at, this.metforminStart, 9), 0.12);
  }

  /** Fasting glucose from the average glucose an HbA1c implies (ADAG: 28.7 × A1c − 46.7). */
  glucose(at: Date): number {
    return this.scatter(28.7 * this.hba1c(at) - 46.7, 8);
  }

  ldl(at: Date): number {
    return this.scatter(168 - 70 * this.effect(at, this.statinStart, 4), 8);
  }

  hdl(): number {
    return this.scatter(47, 4);
  }

  triglycerides(at: Date): number {
    return this.scatter(185 - 45 * this.effect(at, this.statinStart, 6), 15);
  }

  creatinine(): number {
    return this.scatter(0.86, 0.06);
  }
}
