// Writes docs/algorithms.md from the algorithms' declarations (a unit test fails when it is stale).
import { writeFileSync } from 'node:fs';
import { algorithmsMarkdown } from '@edgefl/algorithms';

writeFileSync(new URL('../docs/algorithms.md', import.meta.url), algorithmsMarkdown());
