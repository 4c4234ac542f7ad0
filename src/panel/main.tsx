/** Entry of panel.html: in DevTools, or in a tab as panel.html?tabId=N. */
import { render } from 'preact'
import { App } from './App.tsx'
import { ErrorBoundary } from './ErrorBoundary.tsx'
import { resolveTabId } from './env.ts'
import './panel.css'

const root = document.getElementById('root')
if (root) {
  render(
    <ErrorBoundary name="panel">
      <App tabId={resolveTabId(location.search)} />
    </ErrorBoundary>,
    root,
  )
}
