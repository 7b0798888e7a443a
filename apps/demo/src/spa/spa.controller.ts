import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from 'nestjs-token-auth';
import { loadClientLibrary } from './client-library.js';
import { loadSpaAssets } from './spa-assets.js';

// Scripts and styles from this origin only, no inline code, nothing may frame the page.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The demo page at `/`: static files, no framework. It signs in with cookie mode, so it never sees a token. */
@Public()
@ApiExcludeController()
@Controller()
export class SpaController {
  private readonly assets = loadSpaAssets();
  /** `nestjs-token-auth/client` as the package builds it, for the page's share links. */
  private readonly library = loadClientLibrary();

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('Cache-Control', 'no-cache')
  index(): string {
    return this.assets['index.html'];
  }

  @Get('assets/app.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return this.assets['app.js'];
  }

  @Get('assets/share.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  share(): string {
    return this.assets['share.js'];
  }

  /** Opens a share link: the token rides in the fragment, which never reaches the server. */
  @Get('shared')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('Cache-Control', 'no-cache')
  @Header('Referrer-Policy', 'no-referrer')
  shared(): string {
    return this.assets['shared.html'];
  }

  @Get('assets/shared.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  sharedScript(): string {
    return this.assets['shared.js'];
  }

  @Get('assets/lib/:folder/:file')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  clientLibrary(@Param('folder') folder: string, @Param('file') file: string): string {
    const module = this.library.get(`${folder}/${file}`);
    if (module === undefined) throw new NotFoundException();
    return module;
  }

  @Get('assets/app.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  style(): string {
    return this.assets['app.css'];
  }
}
