import { recipe } from '../fixes/apigateway.ts'
import type { StackModule } from './stack.ts'

export const apigateway: StackModule = {
  id: 'apigateway',
  name: 'API Gateway + Lambda',
  layer: 'gateway',
  comment: '#',
  recipe,
}
