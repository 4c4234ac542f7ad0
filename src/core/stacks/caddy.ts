import { recipe } from '../fixes/caddy.ts'
import type { StackModule } from './stack.ts'

export const caddy: StackModule = {
  id: 'caddy',
  name: 'Caddy',
  layer: 'proxy',
  comment: '#',
  recipe,
}
