import { createTheme } from '@mantine/core';

/** Beton's look: Mantine defaults, an indigo accent, slightly rounder corners. */
export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily:
    'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  headings: { fontWeight: '650' },
  components: {
    // A visible focus ring for keyboard users on every focusable element.
    Button: { defaultProps: { radius: 'md' } },
  },
  focusRing: 'auto',
  respectReducedMotion: true,
});
