/** The OAuth 2.0 shaped answer of a successful login (RFC 6749 section 5.1). */
export interface AccessTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds until the token expires. */
  expires_in: number;
}
