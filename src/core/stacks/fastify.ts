import { recipe } from '../fixes/fastify.ts'
import type { StackModule } from './stack.ts'

export const fastify: StackModule = {
  id: 'fastify',
  name: 'Fastify',
  layer: 'app',
  comment: '//',
  recipe,
}
