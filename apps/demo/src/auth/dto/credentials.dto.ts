import { IsString, Length, Matches } from 'class-validator';

/** The body of `POST /auth/register` and `POST /auth/login`. */
export class CredentialsDto {
  @IsString()
  @Length(3, 64)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'username may contain only letters, digits, ".", "_" and "-"' })
  username!: string;

  @IsString()
  @Length(8, 256)
  password!: string;
}
