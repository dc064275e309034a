#include "kube/manager.h"

#include "kube/log.h"

namespace pave::kube {
namespace {

std::string informer_key(const Resource& r, const InformerOptions& o) {
  return r.group + "/" + r.version + "/" + r.plural + "|" + o.namespace_ + "|" + o.label_selector + "|" +
         o.field_selector + "|" + (o.metadata_only ? "meta" : "full") + (o.compact_cache ? "|compact" : "");
}

}  // namespace

Manager::Manager(Client client, ManagerOptions options) : client_(std::move(client)), options_(std::move(options)) {
  client_.transport().set_observer(metrics_.request_observer());
  events_ = std::make_unique<EventRecorder>(client_, options_.events);
  if (options_.health_port >= 0) {
    health_ = std::make_unique<HealthServer>(options_.health_address, options_.health_port, &metrics_);
    health_->add_liveness_check("ping", [] { return true; });
    health_->add_readiness_check("informers-synced", [this] { return synced(); });
    if (options_.leader_election) {
      // A follower is ready (it serves as a warm standby); it is alive as long as it runs.
      health_->add_readiness_check("leader-election", [] { return true; });
    }
  }
}

Manager::~Manager() {
  stop();
  stop_controllers();
  std::lock_guard lock(mu_);
  for (auto& [key, informer] : informers_) informer->request_stop();  // all watches wind down at once
  for (auto& [key, informer] : informers_) informer->stop();
  // The transport is shared with every copy of the client, which may outlive this manager (a process
  // that starts a new manager after stopping one): it must not keep reporting to metrics_ once they are
  // gone. Pending events are written first, while the observer still has somewhere to report.
  health_.reset();
  events_.reset();
  client_.transport().set_observer(nullptr);
}

Informer& Manager::informer(const Resource& r, const InformerOptions& options) {
  std::lock_guard lock(mu_);
  auto& slot = informers_[informer_key(r, options)];
  if (!slot) {
    slot = std::make_unique<Informer>(client_, r, options);
    if (running_) slot->start();
  }
  return *slot;
}

Controller& Manager::add_controller(std::string name, std::shared_ptr<Reconciler> reconciler, ControllerOptions options) {
  std::lock_guard lock(mu_);
  controllers_.push_back(std::make_unique<Controller>(std::move(name), std::move(reconciler), std::move(options), &metrics_));
  if (controllers_running_) controllers_.back()->start();
  return *controllers_.back();
}

void Manager::remove_informer(const Resource& r, const InformerOptions& options) {
  std::unique_ptr<Informer> gone;
  {
    std::lock_guard lock(mu_);
    auto it = informers_.find(informer_key(r, options));
    if (it == informers_.end()) return;
    gone = std::move(it->second);
    informers_.erase(it);
  }
  gone->stop();  // outside the lock: a handler may be adding work that takes it
}

void Manager::remove_controller(const Controller& controller) {
  std::unique_ptr<Controller> gone;
  {
    std::lock_guard lock(mu_);
    for (auto it = controllers_.begin(); it != controllers_.end(); ++it) {
      if (it->get() != &controller) continue;
      gone = std::move(*it);
      controllers_.erase(it);
      break;
    }
  }
  if (gone) gone->stop();
}

bool Manager::synced() const {
  std::lock_guard lock(mu_);
  for (const auto& [key, informer] : informers_) {
    if (!informer->has_synced()) return false;
  }
  return true;
}

void Manager::start_controllers() {
  std::lock_guard lock(mu_);
  controllers_running_ = true;
  for (auto& c : controllers_) c->start();
}

void Manager::stop_controllers() {
  std::vector<Controller*> running;
  {
    std::lock_guard lock(mu_);
    if (!controllers_running_) return;
    controllers_running_ = false;
    for (auto& c : controllers_) running.push_back(c.get());
  }
  for (auto* c : running) c->stop();
}

void Manager::stop() {
  stop_ = true;
  cv_.notify_all();
}

Status Manager::run() {
  if (health_) {
    if (auto s = health_->start(); !s) return s;
    log::info("health endpoint listening", {{"address", options_.health_address}, {"port", std::to_string(health_->port())}});
  }
  std::vector<Informer*> informers;
  {
    std::lock_guard lock(mu_);
    running_ = true;
    for (auto& [key, informer] : informers_) informers.push_back(informer.get());
  }
  for (auto* i : informers) i->start();
  for (auto* i : informers) {
    if (!i->wait_for_sync(options_.sync_timeout)) {
      return std::unexpected(make_error(ErrorKind::kTimeout, "cache of " + i->resource().plural + " did not sync"));
    }
  }
  log::info("caches synced", {{"informers", std::to_string(informers.size())}});

  if (!options_.leader_election) {
    start_controllers();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stop_.load(); });
    lock.unlock();
    stop_controllers();
    return {};
  }
  LeaderElector elector(client_, *options_.leader_election,
                        {.on_started_leading = [this] { leading_ = true; start_controllers(); },
                         .on_stopped_leading = [this] { leading_ = false; stop_controllers(); },
                         .on_new_leader = [](const std::string& id) { log::info("leader is", {{"identity", id}}); }},
                        &metrics_);
  elector.run(stop_);
  if (stop_.load()) return {};
  return std::unexpected(make_error(ErrorKind::kTimeout, "lost leadership"));
}

}  // namespace pave::kube
