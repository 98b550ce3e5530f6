/**
 * TanStack Query wiring: one client for the app; mutation errors surface as notifications carrying
 * the server's message unless the screen shows them inline (`meta: { inlineError: true }`).
 */
import { notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError, isUnauthenticated } from './client.js';

declare module '@tanstack/react-query' {
  interface Register {
    mutationMeta: { inlineError?: boolean; successMessage?: string };
  }
}

/** The message to show a person for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Reload the page and try again.';
}

export function createQueryClient(onUnauthenticated: () => void): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => {
        if (isUnauthenticated(error)) onUnauthenticated();
      },
    }),
    mutationCache: new MutationCache({
      onError: (error, _vars, _ctx, mutation) => {
        if (isUnauthenticated(error)) return onUnauthenticated();
        if (mutation.meta?.inlineError) return;
        notifications.show({ color: 'red', title: 'That did not work', message: errorMessage(error) });
      },
      onSuccess: (_data, _vars, _ctx, mutation) => {
        if (mutation.meta?.successMessage) {
          notifications.show({ color: 'teal', message: mutation.meta.successMessage });
        }
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: true,
        // 4xx answers will not change on retry; network blips and 5xx may.
        retry: (count, error) =>
          !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
}
