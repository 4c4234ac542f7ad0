import { recipe } from '../fixes/laravel.ts'
import type { StackModule } from './stack.ts'

export const laravel: StackModule = {
  id: 'laravel',
  name: 'Laravel',
  layer: 'app',
  comment: '//',
  recipe,
}
