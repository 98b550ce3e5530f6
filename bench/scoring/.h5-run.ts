import { scoringDetectScore } from './detect-score.js';

const scale = Number(process.argv[2] ?? '0.1');
const results = await scoringDetectScore.run({ scale, log: (m) => console.error('  ' + m) });
console.log(JSON.stringify(results, null, 2));
