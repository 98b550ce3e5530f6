import { Button } from '@mantine/core';
import { IconMapOff } from '@tabler/icons-react';
import { Link } from 'react-router-dom';
import { Empty } from '../components/QueryState.js';

export function NotFoundPage() {
  return (
    <Empty
      icon={<IconMapOff />}
      title="No page here"
      action={
        <Button component={Link} to="/">
          Go to Home
        </Button>
      }
    >
      The link may be old, or the page was moved. Use the navigation to find what you were looking for.
    </Empty>
  );
}
