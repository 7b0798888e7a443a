import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CurrentUserId } from '../users/current-user-id.decorator.js';
import { CreateNoteDto } from './dto/create-note.dto.js';
import { NoteIdParams } from './dto/note-id.params.js';
import type { Note } from './note.js';
import { NotesService } from './notes.service.js';

@Controller('notes')
export class NotesController {
  constructor(private readonly notes: NotesService) {}

  @Get()
  list(@CurrentUserId() userId: number): Note[] {
    return this.notes.list(userId);
  }

  /** One note: what a share link (an access token narrowed to GET and HEAD on this path) can read. */
  @Get(':id')
  get(@CurrentUserId() userId: number, @Param() params: NoteIdParams): Note {
    return this.notes.get(userId, Number(params.id));
  }

  @Post()
  create(@CurrentUserId() userId: number, @Body() body: CreateNoteDto): Note {
    return this.notes.create(userId, body.text);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@CurrentUserId() userId: number, @Param() params: NoteIdParams): void {
    this.notes.remove(userId, Number(params.id));
  }
}
