import { Module } from '@nestjs/common';
import { NoteSharingController } from './note-sharing.controller.js';
import { NotesController } from './notes.controller.js';
import { NotesService } from './notes.service.js';

@Module({
  controllers: [NotesController, NoteSharingController],
  providers: [NotesService],
})
export class NotesModule {}
