import { recipe, WHERE } from '../fixes/fastify.ts'
import type { StackModule } from './stack.ts'

export const fastify: StackModule = {
  id: 'fastify',
  name: 'Fastify',
  layer: 'app',
  comment: '//',
  recipe,
  config: WHERE,
}

declare module '../fix.ts' {
  interface StackIds {
    fastify: true
  }
}
