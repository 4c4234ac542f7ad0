/** The fix registry: every stack's recipe, in one place. diagnose() asks each of them. */
import type { Stack } from '../fix.ts'
import { recipe as apache } from './apache.ts'
import { recipe as aspnet } from './aspnet.ts'
import { recipe as caddy } from './caddy.ts'
import { recipe as client } from './client.ts'
import type { Recipe } from './context.ts'
import { recipe as django } from './django.ts'
import { recipe as express } from './express.ts'
import { recipe as fastapi } from './fastapi.ts'
import { recipe as fastify } from './fastify.ts'
import { recipe as flask } from './flask.ts'
import { recipe as localNetwork } from './local-network.ts'
import { recipe as nginx } from './nginx.ts'
import { recipe as rails } from './rails.ts'
import { recipe as spring } from './spring.ts'

export const RECIPES: Readonly<Record<Stack, Recipe>> = {
  nginx,
  apache,
  caddy,
  express,
  fastify,
  fastapi,
  django,
  flask,
  spring,
  aspnet,
  rails,
  client,
  browser: localNetwork,
}
