import { recipe } from '../fixes/aspnet.ts'
import type { StackModule } from './stack.ts'

export const aspnet: StackModule = {
  id: 'aspnet',
  name: 'ASP.NET Core',
  layer: 'app',
  comment: '//',
  recipe,
}
