/** One answer to "how likely are you to recommend us" (0–10). */
export interface NpsAnswer {
  at: string;
  score: number;
  email: string | null;
}
