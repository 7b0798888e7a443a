import { IsOptional, IsString, Length } from 'class-validator';

/** The body of `POST /auth/refresh`. Without `refresh_token`, the refresh cookie is used (cookie mode). */
export class RefreshTokenDto {
  @IsOptional()
  @IsString()
  @Length(1, 4096)
  refresh_token?: string;
}
