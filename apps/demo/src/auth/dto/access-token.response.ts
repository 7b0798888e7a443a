/** The OAuth 2.0 shaped answer of a successful login or refresh (RFC 6749 sections 5.1 and 6). */
export interface AccessTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds until the access token expires. */
  expires_in: number;
  /** Exchanged at `POST /auth/refresh` for a new pair; each refresh token works once. */
  refresh_token: string;
}
