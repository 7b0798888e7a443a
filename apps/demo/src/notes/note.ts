/** A note as the API shows it. */
export interface Note {
  id: number;
  text: string;
  /** ISO 8601, UTC. */
  createdAt: string;
}
