import { Matches } from 'class-validator';

/**
 * The `:id` of `/notes/:id`. Checked as text: the global ValidationPipe would turn "1e3" or "0x10" into a
 * number before ParseIntPipe saw it.
 */
export class NoteIdParams {
  @Matches(/^[1-9]\d{0,14}$/, { message: 'id must be a note id: a positive whole number' })
  id!: string;
}
