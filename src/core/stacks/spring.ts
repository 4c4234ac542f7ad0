import { recipe } from '../fixes/spring.ts'
import type { StackModule } from './stack.ts'

export const spring: StackModule = {
  id: 'spring',
  name: 'Spring',
  layer: 'app',
  comment: '//',
  recipe,
}
