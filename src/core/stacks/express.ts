import { recipe } from '../fixes/express.ts'
import type { StackModule } from './stack.ts'

export const express: StackModule = {
  id: 'express',
  name: 'Express',
  layer: 'app',
  comment: '//',
  recipe,
}
