import { recipe } from '../fixes/nginx.ts'
import type { StackModule } from './stack.ts'

export const nginx: StackModule = {
  id: 'nginx',
  name: 'nginx',
  layer: 'proxy',
  comment: '#',
  recipe,
}
