/** The registry: every stack's module, in the order the recipes are offered. */
import type { Stack } from '../fix.ts'
import { apache } from './apache.ts'
import { apigateway } from './apigateway.ts'
import { aspnet } from './aspnet.ts'
import { azureblob } from './azureblob.ts'
import { browser } from './browser.ts'
import { caddy } from './caddy.ts'
import { client } from './client.ts'
import { cloudflare } from './cloudflare.ts'
import { cloudfront } from './cloudfront.ts'
import { django } from './django.ts'
import { express } from './express.ts'
import { fastapi } from './fastapi.ts'
import { fastify } from './fastify.ts'
import { fastly } from './fastly.ts'
import { flask } from './flask.ts'
import { gcs } from './gcs.ts'
import { generic } from './generic.ts'
import { go } from './go.ts'
import { haproxy } from './haproxy.ts'
import { hono } from './hono.ts'
import { koa } from './koa.ts'
import { laravel } from './laravel.ts'
import { nginx } from './nginx.ts'
import { rails } from './rails.ts'
import { s3 } from './s3.ts'
import { spring } from './spring.ts'
import type { StackModule } from './stack.ts'
import { supabase } from './supabase.ts'
import { thirdparty } from './third-party.ts'
import { varnish } from './varnish.ts'
import { vercel } from './vercel.ts'

export const STACKS: Readonly<Record<Stack, StackModule>> = {
  nginx,
  apache,
  caddy,
  varnish,
  cloudfront,
  haproxy,
  cloudflare,
  vercel,
  fastly,
  express,
  fastify,
  hono,
  koa,
  fastapi,
  django,
  flask,
  spring,
  aspnet,
  rails,
  laravel,
  go,
  apigateway,
  s3,
  gcs,
  azureblob,
  supabase,
  generic,
  'third-party': thirdparty,
  client,
  browser,
}

/** A stack's name as people write it ("Express only" labels); an unknown id (an old HAR's) as it is. */
export function stackName(stack: string): string {
  return Object.hasOwn(STACKS, stack) ? STACKS[stack as Stack].name : stack
}
