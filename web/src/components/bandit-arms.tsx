import type { JSX } from 'preact';
import type { BanditReport } from '../../../src/serve/api-types.ts';
import { formatCost, formatScore } from '../format.ts';

/**
 * A bandit's arms as it scores them: per arm a bar of its chance of the next pick, its mean
 * reward ± its exploration bonus, pulls, and what it gained and cost; above them the settings the
 * scores come from (the cost coefficient first: it is what trades improvement against spend).
 */
export function BanditArms(props: { report: BanditReport; testId: string; gain: 'improvement' | 'improving calls' }): JSX.Element {
  const { settings, arms } = props.report;
  return (
    <div class="bandit" data-testid={props.testId}>
      <p class="muted" data-testid={`${props.testId}-settings`}>
        reward = {props.gain} − {formatScore(settings.costCoefficient, 3)} × cost (each normalised) · exploration {formatScore(settings.exploration, 3)} · ε{' '}
        {formatScore(settings.epsilon, 3)}
        {settings.saved ? null : ' (defaults assumed: this checkpoint predates saved settings)'}
      </p>
      {arms.map((arm) => (
        <div key={arm.arm} class="bandit-arm">
          <span class="bandit-label">{arm.arm}</span>
          <span class="bandit-bar" title={`next pick ${(arm.nextPickChance * 100).toFixed(1)}%`}>
            <span class="bandit-mean" style={{ width: `${Math.max(0, Math.min(100, arm.nextPickChance * 100))}%` }} />
          </span>
          <span class="muted">
            next pick {(arm.nextPickChance * 100).toFixed(1)}% · mean reward {formatScore(arm.meanReward, 3)} ± {arm.bonus === null ? '—' : formatScore(arm.bonus * settings.exploration, 3)} · {arm.pulls} pulls ·
            gained {formatScore(arm.improvementSum, 3)} · cost {formatCost(arm.costSum)} · prior weight {formatScore(arm.weight, 3)}
          </span>
        </div>
      ))}
    </div>
  );
}
