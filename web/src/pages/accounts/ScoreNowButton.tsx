import { Button, Loader } from '@mantine/core';
import { IconCalculator } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
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
  if (!can('member')) return null;
  const progress = run.data?.run.progress;
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
          ? `Scoring: ${progress.stage}${progress.total ? ` ${Math.round((progress.done / progress.total) * 100)}%` : ''}`
          : 'Scoring…'
        : 'Score now'}
    </Button>
  );
}
