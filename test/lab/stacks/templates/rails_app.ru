# Rails (Debian's railties/actionpack 6.1) + rack-cors on Puma, the lab's Rails app, in one rackup file.
# The named slots are filled per scenario by test/lab/stacks/stack.ts.
require "action_controller/railtie"
require "rack/cors"

class LabApp < Rails::Application
  config.load_defaults 6.1
  config.eager_load = false
  config.logger = Logger.new(nil)
  config.secret_key_base = "lab"
  config.hosts.clear
end

# --- config/initializers/cors.rb: the app's CORS setup ---
{{app_cors}}

Rails.application.initialize!

class ItemsController < ActionController::Base
  skip_forgery_protection
  def show = render(json: { ok: true, method: request.method })
end

Rails.application.routes.draw do
  match "/api/items", to: "items#show", via: %i[get put post delete]
  get "/", to: "items#show"
end

run Rails.application
