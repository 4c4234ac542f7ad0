import { recipe } from '../fixes/go.ts'
import type { StackModule } from './stack.ts'

export const go: StackModule = {
  id: 'go',
  name: 'Go (rs/cors)',
  layer: 'app',
  comment: '//',
  recipe,
}
