import { Button, Loader } from '@mantine/core';
import { IconCalculator } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api } from '../../api/client.js';
import { useSession } from '../../session.js';

/**
 * Start a score run (ingest synced records, detect signals, score, backtest) and follow it until it
 * ends, then refresh what shows scores. Members and up.
 */
export function ScoreNowButton() {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [runId, setRunId] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () => api.post('/api/v1/score-runs', { body: { mode: 'auto' } }),
    onSuccess: ({ run }) => setRunId(run.id),
  });
  const run = useQuery({
    queryKey: ['score-runs', runId],
    queryFn: async () => {
      const answer = await api.get('/api/v1/score-runs/{id}', { params: { id: runId! } });
      if (answer.run.status !== 'running') {
        setRunId(null);
        await queryClient.invalidateQueries({ queryKey: ['accounts'] });
        await queryClient.invalidateQueries({ queryKey: ['signals'] });
      }
      return answer;
    },
    enabled: runId !== null,
    refetchInterval: 1000,
  });
  const progress = run.data?.run.progress;
  const left = useTimeLeft(progress);
  if (!can('member')) return null;
  const busy = start.isPending || runId !== null;
  return (
    <Button
      variant="light"
      leftSection={busy ? <Loader size={14} /> : <IconCalculator size={16} />}
      disabled={busy}
      onClick={() => start.mutate()}
      aria-live="polite"
    >
      {busy
        ? progress
          ? `Scoring: ${progress.stage}${progress.total ? ` ${Math.round((progress.done / progress.total) * 100)}%` : ''}${left ? ` · ${left} left` : ''}`
          : 'Scoring…'
        : 'Score now'}
    </Button>
  );
}

interface StageProgress {
  stage: string;
  done: number;
  total: number;
}

/**
 * The time a stage has left at the pace seen since this page first saw it: nothing until the
 * stage has run for two seconds and moved, so the first guesses are not wild.
 */
function useTimeLeft(progress: StageProgress | null | undefined): string | null {
  const seen = useRef<{ stage: string; at: number; done: number } | null>(null);
  if (!progress) {
    seen.current = null;
    return null;
  }
  const now = Date.now();
  if (seen.current?.stage !== progress.stage)
    seen.current = { stage: progress.stage, at: now, done: progress.done };
  const elapsed = now - seen.current.at;
  const moved = progress.done - seen.current.done;
  if (elapsed < 2_000 || moved <= 0 || progress.total <= progress.done) return null;
  const ms = (elapsed / moved) * (progress.total - progress.done);
  return ms < 60_000 ? `~${Math.max(1, Math.round(ms / 1000))} s` : `~${Math.round(ms / 60_000)} min`;
}
