import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { TokenAuthGuard } from 'nestjs-token-auth';
import { AllowAllGuard } from './allow-all.guard.js';
import { BareVerifyGuard } from './bare-verify.guard.js';
import { BasicBcryptGuard } from './basic-bcrypt.guard.js';
import { HmacFloorGuard } from './hmac-floor.guard.js';
import { JwtDocsGuard } from './jwt-docs.guard.js';
import { JwtKeyObjectGuard } from './jwt-key-object.guard.js';

const BODY = { ok: true };

/** The same handler behind each way of authenticating; only the guard differs between routes. */
@Controller()
export class BenchAppController {
  @Get('unguarded')
  unguarded() {
    return BODY;
  }

  @Get('allow-all')
  @UseGuards(AllowAllGuard)
  allowAll() {
    return BODY;
  }

  @Get('hmac-floor')
  @UseGuards(HmacFloorGuard)
  hmacFloor() {
    return BODY;
  }

  @Get('bare-verify')
  @UseGuards(BareVerifyGuard)
  bareVerify() {
    return BODY;
  }

  @Get('token-auth')
  @UseGuards(TokenAuthGuard)
  tokenAuth() {
    return BODY;
  }

  @Get('nestjs-jwt')
  @UseGuards(JwtDocsGuard)
  nestjsJwt() {
    return BODY;
  }

  @Get('nestjs-jwt-key-object')
  @UseGuards(JwtKeyObjectGuard)
  nestjsJwtKeyObject() {
    return BODY;
  }

  @Get('passport-jwt')
  @UseGuards(AuthGuard('jwt'))
  passportJwt() {
    return BODY;
  }

  @Get('passport-jwt-key-object')
  @UseGuards(AuthGuard('jwt-key-object'))
  passportJwtKeyObject() {
    return BODY;
  }

  @Get('basic-bcrypt')
  @UseGuards(BasicBcryptGuard)
  basicBcrypt() {
    return BODY;
  }
}
