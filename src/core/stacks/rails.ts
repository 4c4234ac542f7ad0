import { recipe } from '../fixes/rails.ts'
import type { StackModule } from './stack.ts'

export const rails: StackModule = {
  id: 'rails',
  name: 'Rails',
  layer: 'app',
  comment: '#',
  recipe,
}
