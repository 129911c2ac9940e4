import type { Store, TrajectoryRecord } from '../../store/types.ts';
import type { TrajectoryDetail, TrajectoryRow } from '../api-types.ts';

/** An agent run's trajectories, and one trajectory with its steps (model calls, tool calls, results). */
export async function trajectoryRows(store: Store, runId: string): Promise<TrajectoryRow[]> {
  const trajectories = await store.listTrajectories({ runId });
  return trajectories.map((trajectory) => trajectoryRow(trajectory, null));
}

export async function trajectoryDetail(store: Store, trajectoryId: string): Promise<TrajectoryDetail | undefined> {
  const trajectory = await store.getTrajectory(trajectoryId);
  if (trajectory === undefined) return undefined;
  const { steps, ...fields } = trajectory;
  return { trajectory: { ...fields, stepCount: steps.length }, steps };
}

function trajectoryRow(trajectory: TrajectoryRecord, steps: number | null): TrajectoryRow {
  return {
    id: trajectory.id,
    runId: trajectory.runId,
    taskId: trajectory.taskId,
    task: trajectory.task,
    status: trajectory.status,
    model: trajectory.model,
    steps,
    costUsd: trajectory.costUsd,
    tokensIn: trajectory.tokensIn,
    tokensOut: trajectory.tokensOut,
    createdAt: trajectory.createdAt,
  };
}
