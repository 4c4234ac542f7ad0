import { recipe } from '../fixes/apache.ts'
import type { StackModule } from './stack.ts'

export const apache: StackModule = {
  id: 'apache',
  name: 'Apache',
  layer: 'proxy',
  comment: '#',
  recipe,
}
