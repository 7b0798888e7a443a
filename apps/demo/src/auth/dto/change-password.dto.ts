import { IsString, Length } from 'class-validator';

/** The body of `POST /auth/password`. */
export class ChangePasswordDto {
  @IsString()
  @Length(1, 256)
  old_password!: string;

  @IsString()
  @Length(8, 256)
  new_password!: string;
}
